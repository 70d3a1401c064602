"""Logins cannot starve sync nor lock out the real user (issue 12, findings 4 and 8).

- argon2 runs on its own bounded pool: a full queue answers 429 with Retry-After at
  once, and sync is served while every hashing thread is busy;
- the password check holds no database lock (nor transaction) while it hashes;
- an unknown name costs one verify against a hash with the server's parameters, like
  a known one;
- failures are limited per (client address, name) with a doubling lock;
- X-Forwarded-For is believed only from `trusted_proxies` (and uvicorn's own
  handling, which trusted 127.0.0.1, is off in `serve`)."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, extract_parameters
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from agentdesk.server.security import (
    LoginBusyError,
    LoginRateLimiter,
    PasswordCheckPool,
    client_address,
    parse_proxies,
)
from agentdesk.server.users import add_user
from tests.server.conftest import record

LOGIN = "/api/v1/auth/login"
PASSWORD = "s3cret pass"


@pytest.fixture
def alice(app: Any, engine: Engine) -> None:
    add_user(engine, app.state.server.hasher, "alice", PASSWORD, "agent", "north")


def _app(settings: Any, engine: Engine, **changes: Any) -> Any:
    from agentdesk.server.main import create_app

    changes.setdefault("login_refusal_pause_seconds", 0.0)  # see test_a_refusal_...
    return create_app(settings.model_copy(update=changes), engine)


# --- the limiter: (address, name), doubling ----------------------------------------


def test_failures_lock_one_name_from_one_address_with_a_doubling_lock() -> None:
    now = [1000.0]
    limiter = LoginRateLimiter(3, 60.0, max_seconds=10.0, clock=lambda: now[0])
    for _ in range(2):
        limiter.failed("Alice", "10.0.0.1")
    assert limiter.retry_after("alice", "10.0.0.1") == 0  # free failures
    waits = []
    for _ in range(6):
        limiter.failed("alice", "10.0.0.1")  # names compare case-insensitively
        waits.append(limiter.retry_after("ALICE", "10.0.0.1"))
    assert waits == [1, 2, 4, 8, 10, 10]  # doubling, capped
    assert limiter.retry_after("alice", "10.0.0.2") == 0  # the real user, elsewhere
    assert limiter.retry_after("bob", "10.0.0.1") == 0  # a colleague behind the NAT
    now[0] += 10.5
    assert limiter.retry_after("alice", "10.0.0.1") == 0  # the lock is over...
    limiter.failed("alice", "10.0.0.1")
    assert limiter.retry_after("alice", "10.0.0.1") == 10  # ...the count is not
    now[0] += 10 + 60 + 1  # forgotten a window after the last failure and lock
    assert limiter.retry_after("alice", "10.0.0.1") == 0
    assert limiter.tracked() == 0
    limiter.failed("alice", "10.0.0.1")
    assert limiter.retry_after("alice", "10.0.0.1") == 0  # counting from zero again


def test_a_success_resets_and_the_memory_is_bounded() -> None:
    limiter = LoginRateLimiter(1, 60.0, max_tracked=100, address_burst=10_000)
    limiter.failed("alice", "ip")
    assert limiter.retry_after("alice", "ip") == 1
    limiter.succeeded("alice", "ip")
    assert limiter.retry_after("alice", "ip") == 0
    for n in range(1000):  # random names cannot fill the memory
        limiter.failed(f"guess{n}", "ip")
    assert limiter.tracked() == 100
    assert limiter.retry_after("guess999", "ip") == 1  # the newest are kept


def test_failures_from_one_address_whatever_the_names_draw_on_a_bucket() -> None:
    now = [1000.0]
    limiter = LoginRateLimiter(5, 60.0, address_burst=3, address_per_minute=30.0,
                               max_tracked=50, clock=lambda: now[0])
    for n in range(3):
        assert limiter.retry_after(f"guess{n}", "192.0.2.7") == 0
        limiter.failed(f"guess{n}", "192.0.2.7")
    assert limiter.retry_after("anyone", "192.0.2.7") == 2  # one failure per 2 s now
    assert limiter.retry_after("anyone", "198.51.100.9") == 0  # another address
    now[0] += 2.0
    assert limiter.retry_after("anyone", "192.0.2.7") == 0
    limiter.failed("anyone", "192.0.2.7")
    assert limiter.retry_after("anyone", "192.0.2.7") == 2
    for n in range(200):  # many addresses: the memory stays bounded
        limiter.failed("x", f"10.0.{n // 250}.{n % 250}")
    assert len(limiter._buckets) <= 50


def test_random_names_from_one_address_are_refused_after_the_burst(
        settings: Any, engine: Engine, alice: None) -> None:
    app = _app(settings, engine, login_address_burst=4)
    with TestClient(app, client=("192.0.2.7", 4000)) as flooder, \
            TestClient(app, client=("198.51.100.9", 4000)) as user:
        codes = [flooder.post(LOGIN, json={"username": f"u{n}", "password": "x"}).status_code
                 for n in range(6)]
        assert codes == [401] * 4 + [429] * 2
        assert user.post(LOGIN, json={"username": "alice", "password": PASSWORD}
                         ).status_code == 200


def test_five_wrong_passwords_lock_that_name_from_that_address_only(
        settings: Any, engine: Engine, alice: None) -> None:
    app = _app(settings, engine)
    now = [1000.0]
    app.state.server = dataclasses.replace(
        app.state.server, limiter=LoginRateLimiter(5, 60.0, clock=lambda: now[0]))
    with TestClient(app, client=("192.0.2.7", 4000)) as colleague, \
            TestClient(app, client=("198.51.100.9", 4000)) as elsewhere:
        for _ in range(5):
            assert colleague.post(LOGIN, json={"username": "alice", "password": "guess"}
                                  ).status_code == 401
        r = colleague.post(LOGIN, json={"username": "alice", "password": PASSWORD})
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
        # the real user from another address is not locked out
        assert elsewhere.post(LOGIN, json={"username": "alice", "password": PASSWORD}
                              ).status_code == 200
        now[0] += 1.01  # one second, not a minute
        assert colleague.post(LOGIN, json={"username": "alice", "password": PASSWORD}
                              ).status_code == 200


# --- X-Forwarded-For -------------------------------------------------------------


def test_forwarded_for_is_believed_only_from_trusted_proxies() -> None:
    proxies = parse_proxies("10.9.0.0/16, 2001:db8::1")
    assert client_address("192.0.2.1", ["203.0.113.5"], proxies) == "192.0.2.1"
    assert client_address("10.9.0.3", ["203.0.113.5"], proxies) == "203.0.113.5"
    # the client wrote the left entries; the proxy appended the address it saw
    assert client_address("10.9.0.3", ["1.1.1.1, 203.0.113.5"], proxies) == "203.0.113.5"
    assert client_address("10.9.0.3", ["1.1.1.1, 203.0.113.5, 10.9.0.8"],
                          proxies) == "203.0.113.5"  # a chain of trusted proxies
    assert client_address("2001:db8::1", ["203.0.113.5"], proxies) == "203.0.113.5"
    assert client_address("10.9.0.3", [], proxies) == "10.9.0.3"
    assert client_address("127.0.0.1", ["203.0.113.5"], ()) == "127.0.0.1"  # default
    assert client_address(None, [], ()) == "unknown"
    with pytest.raises(ValueError):
        parse_proxies("not-an-address")


def test_a_rotating_forwarded_for_does_not_lift_the_limit(settings: Any, engine: Engine,
                                                         alice: None) -> None:
    app = _app(settings, engine)  # no trusted proxies: the header is ignored
    with TestClient(app, client=("127.0.0.1", 4000)) as local:
        codes = [local.post(LOGIN, json={"username": "alice", "password": f"guess{n}"},
                            headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                 for n in range(7)]
    assert codes[:5] == [401] * 5 and 429 in codes[5:]


def test_behind_a_trusted_proxy_each_client_address_has_its_own_limit(
        settings: Any, engine: Engine, alice: None) -> None:
    app = _app(settings, engine, trusted_proxies="10.9.0.1")
    with TestClient(app, client=("10.9.0.1", 4000)) as proxy:
        for _ in range(5):
            assert proxy.post(LOGIN, json={"username": "alice", "password": "guess"},
                              headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 401
        guesser = proxy.post(LOGIN, json={"username": "alice", "password": PASSWORD},
                             headers={"X-Forwarded-For": "203.0.113.5"})
        # a client that writes its own header gets the address the proxy appended
        spoofed = proxy.post(LOGIN, json={"username": "alice", "password": PASSWORD},
                             headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.5"})
        user = proxy.post(LOGIN, json={"username": "alice", "password": PASSWORD},
                          headers={"X-Forwarded-For": "198.51.100.1"})
    assert (guesser.status_code, spoofed.status_code, user.status_code) == (429, 429, 200)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`agentdesk-server serve` on SQLite with alice, as operators run it."""
    env = {**os.environ, "AGENTDESK_DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
           "AGENTDESK_ARGON2_TIME_COST": "1", "AGENTDESK_ARGON2_MEMORY_KIB": "1024"}
    cli = [sys.executable, "-m", "agentdesk.server.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([*cli, "user", "add", "alice", "--role", "agent"], env=env, check=True,
                   capture_output=True, input=f"{PASSWORD}\n{PASSWORD}\n".encode())
    port = _free_port()
    with (tmp_path / "serve.log").open("wb") as log:
        proc = subprocess.Popen([*cli, "serve", "--port", str(port)], env=env, stdout=log,
                                stderr=subprocess.STDOUT)
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/api/v1/health", timeout=2)
                    break
                except httpx.TransportError:
                    assert proc.poll() is None and time.monotonic() < deadline
                    time.sleep(0.1)
            yield base
        finally:
            proc.terminate()
            proc.wait(15)


def test_serve_ignores_forwarded_for_from_localhost(served: str) -> None:
    """uvicorn believed X-Forwarded-For from 127.0.0.1 by default."""
    codes = [httpx.post(f"{served}{LOGIN}", json={"username": "alice", "password": "guess"},
                        headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
             for n in range(6)]
    assert codes == [401] * 5 + [429]


# --- the hashing pool -------------------------------------------------------------


def test_the_hashing_pool_is_bounded_globally_and_per_address() -> None:
    pool = PasswordCheckPool(workers=1, capacity=3, per_address=2)
    gate = threading.Event()
    try:
        names: list[str] = []
        first = pool.submit("a", lambda: names.append(threading.current_thread().name)
                            or gate.wait(10))
        pool.submit("a", gate.wait, 10)
        with pytest.raises(LoginBusyError, match="this address"):
            pool.submit("a", gate.wait, 10)
        pool.submit("b", gate.wait, 10)
        with pytest.raises(LoginBusyError, match="the server") as busy:
            pool.submit("c", gate.wait, 10)
        assert busy.value.retry_after >= 1
        assert (pool.in_flight(), pool.in_flight("a"), pool.refused) == (3, 2, 2)
        gate.set()
        first.result(10)
        deadline = time.monotonic() + 10
        while pool.in_flight() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pool.in_flight() == 0  # every place given back
        assert names and names[0].startswith("argon2")  # its own threads
    finally:
        gate.set()
        pool.shutdown()


def test_a_queued_check_whose_client_left_gives_its_place_back() -> None:
    import asyncio

    pool = PasswordCheckPool(workers=1, capacity=2, per_address=2)
    gate = threading.Event()

    async def main() -> None:
        busy = pool.submit("a", gate.wait, 10)
        waiting = asyncio.ensure_future(pool.run("a", time.sleep, 0))
        await asyncio.sleep(0.05)
        assert pool.in_flight() == 2
        waiting.cancel()  # the client hung up before its check started: not run
        await asyncio.sleep(0.05)
        assert pool.in_flight() == 1
        gate.set()
        await asyncio.wrap_future(busy)

    try:
        asyncio.run(main())
    finally:
        gate.set()
        pool.shutdown()


def test_a_full_hashing_queue_answers_429_at_once_while_sync_is_served(
        settings: Any, engine: Engine, alice: None) -> None:
    app = _app(settings, engine, login_hash_workers=1, login_queue=3, login_per_address=3)
    pool: PasswordCheckPool = app.state.server.password_checks
    gate = threading.Event()
    with TestClient(app) as client:
        token = client.post(LOGIN, json={"username": "alice", "password": PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        try:
            jobs = [pool.submit(f"10.0.0.{n}", gate.wait, 30) for n in range(3)]
            assert pool.in_flight() == pool.capacity  # every place taken, the thread busy
            r = client.post(LOGIN, json={"username": "alice", "password": PASSWORD})
            assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
            assert "in progress" in r.json()["detail"]
            assert client.post(LOGIN, json={"username": "nobody", "password": "x"}
                               ).status_code == 429
            # sync does not wait for argon2
            push = client.post("/api/v1/sync/push", headers=headers, json={
                "batch_id": "b-1", "records": [record("wrapup", code="SOLVED")]})
            assert push.status_code == 200 and push.json()["accepted"] == 1
            assert client.get("/api/v1/sync/pull", headers=headers).status_code == 200
            assert not any(job.done() for job in jobs)
        finally:
            gate.set()
        for job in jobs:
            job.result(30)
        assert client.post(LOGIN, json={"username": "alice", "password": PASSWORD}
                           ).status_code == 200


def test_one_address_cannot_take_every_place(settings: Any, engine: Engine,
                                             alice: None) -> None:
    app = _app(settings, engine, login_hash_workers=1, login_queue=4, login_per_address=1)
    pool: PasswordCheckPool = app.state.server.password_checks
    gate = threading.Event()
    answers: list[int] = []
    with TestClient(app, client=("192.0.2.7", 4000)) as flooder, \
            TestClient(app, client=("198.51.100.9", 4000)) as user:
        try:
            pool.submit("192.0.2.7", gate.wait, 30)  # the flooder's check, hashing
            assert flooder.post(LOGIN, json={"username": "x", "password": "y"}
                                ).status_code == 429
            waiter = threading.Thread(target=lambda: answers.append(user.post(
                LOGIN, json={"username": "alice", "password": PASSWORD}).status_code))
            waiter.start()
            deadline = time.monotonic() + 10
            while pool.in_flight("198.51.100.9") == 0:  # admitted, queued behind it
                assert time.monotonic() < deadline and waiter.is_alive()
                time.sleep(0.01)
        finally:
            gate.set()
        waiter.join(30)
    assert answers == [200]


def test_a_refusal_is_decided_at_once_and_answered_after_a_pause(
        settings: Any, engine: Engine, alice: None) -> None:
    """A client that ignores Retry-After and asks again on its connection gets at
    most one refusal per pause: it cannot keep the event loop busy refusing."""
    app = _app(settings, engine, login_hash_workers=1, login_queue=1,
               login_refusal_pause_seconds=0.3)
    pool: PasswordCheckPool = app.state.server.password_checks
    gate = threading.Event()
    with TestClient(app) as client:
        try:
            pool.submit("10.0.0.1", gate.wait, 30)
            started = time.monotonic()
            r = client.post(LOGIN, json={"username": "x", "password": "y"})
            assert r.status_code == 429 and time.monotonic() - started >= 0.3
            assert pool.in_flight() == 1  # nothing queued for it meanwhile
        finally:
            gate.set()


# --- the check itself: no lock while hashing, the same cost for any name --------------


class _WatchedHasher(PasswordHasher):
    """A real argon2 hasher that notes what it verifies and can pause inside verify
    (to look at the database while a hash is "running")."""

    def __init__(self, template: PasswordHasher) -> None:
        super().__init__(time_cost=template.time_cost, memory_cost=template.memory_cost,
                         parallelism=template.parallelism, hash_len=template.hash_len,
                         salt_len=template.salt_len)
        self.verified: list[str] = []
        self.hashed = 0
        self.inside: Callable[[], None] = lambda: None

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(hash if isinstance(hash, str) else hash.decode())
        self.inside()
        return super().verify(hash, password)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed += 1
        return super().hash(password, salt=salt)


def test_unknown_and_known_names_cost_one_verify_with_the_same_parameters(
        app: Any, engine: Engine, alice: None) -> None:
    from agentdesk.server.login import check_password, dummy_hash

    watched = _WatchedHasher(app.state.server.hasher)
    dummy = dummy_hash(watched)
    watched.hashed = 0
    assert check_password(engine, watched, dummy, "alice", "wrong") is None
    assert check_password(engine, watched, dummy, "mallory", "wrong") is None
    who = check_password(engine, watched, dummy, "alice", PASSWORD)
    assert who is not None and who.username == "alice"
    assert len(watched.verified) == 3 and watched.verified[1] == dummy
    params = [extract_parameters(h) for h in watched.verified]
    assert params == [extract_parameters(dummy)] * 3  # one cost for every answer
    assert watched.hashed == 0  # nothing hashed afresh (no rehash was due)


def test_the_password_check_holds_no_database_lock_while_hashing(
        app: Any, engine: Engine, backend: str, db_url: str, alice: None) -> None:
    from sqlalchemy import text

    from agentdesk.server.login import check_password, dummy_hash

    watched = _WatchedHasher(app.state.server.hasher)
    dummy = dummy_hash(watched)
    hashing, release = threading.Event(), threading.Event()

    def pause() -> None:
        hashing.set()
        release.wait(30)

    watched.inside = pause
    result: list[Any] = []
    checker = threading.Thread(target=lambda: result.append(
        check_password(engine, watched, dummy, "alice", PASSWORD)))
    checker.start()
    try:
        assert hashing.wait(30)
        if backend == "sqlite":
            import sqlite3

            conn = sqlite3.connect(db_url.removeprefix("sqlite:///"), timeout=0.5,
                                   isolation_level=None)
            conn.execute("BEGIN IMMEDIATE")  # "database is locked" if a writer held it
            conn.execute("UPDATE users SET team = team WHERE username = 'alice'")
            conn.execute("COMMIT")
            conn.close()
        else:
            with engine.connect() as conn:
                open_transactions = conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND state LIKE 'idle in transaction%'")).scalar()
                conn.execute(text("SET lock_timeout = '500ms'"))
                conn.execute(text("UPDATE users SET team = team WHERE username = 'alice'"))
                conn.commit()
            assert open_transactions == 0
    finally:
        release.set()
        checker.join(30)
    assert result and result[0] is not None


def test_the_account_read_neither_waits_for_nor_blocks_a_writer_on_sqlite(
        app: Any, engine: Engine, backend: str, db_url: str, alice: None) -> None:
    """The hashing thread runs at a low CPU priority: on SQLite its read must not take
    the database's write lock (BEGIN IMMEDIATE), which every push waits for."""
    if backend != "sqlite":
        pytest.skip("PostgreSQL reads take no lock a writer waits for")
    import sqlite3

    from agentdesk.server.login import check_password, dummy_hash

    hasher = app.state.server.hasher
    writer = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a push in progress holds the write lock
    try:
        result: list[Any] = []
        checker = threading.Thread(target=lambda: result.append(
            check_password(engine, hasher, dummy_hash(hasher), "alice", PASSWORD)))
        checker.start()
        checker.join(10)  # BEGIN IMMEDIATE would wait for the writer (30 s timeout)
        assert result and result[0] is not None and result[0].username == "alice"
    finally:
        writer.execute("ROLLBACK")
        writer.close()
