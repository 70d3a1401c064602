"""The in-memory token cache and pull head: a desk in sync costs no database query, and
revocations still bite (made here, or by another process such as the operator's CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from agentdesk.server.models import utcnow
from agentdesk.server.token_cache import TokenCache
from agentdesk.server.usn_head import HeadCache

PULL = "/api/v1/sync/pull"


class Queries:
    def __init__(self, engine: Any) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's BEGIN IMMEDIATE (db.py)
            self.count += 1


@pytest.fixture
def queries(engine: Any) -> Iterator[Queries]:
    counter = Queries(engine)
    yield counter
    event.remove(engine, "before_cursor_execute", counter._seen)


def test_a_pull_of_a_desk_in_sync_asks_the_database_nothing(
        client: Any, make_user: Any, queries: Queries) -> None:
    agent = make_user("a")
    cursor = client.get(PULL, headers=agent).json()["cursor"]
    before = queries.count
    for _ in range(5):
        r = client.get(PULL, params={"cursor": cursor}, headers=agent)
        assert r.status_code == 200
        assert r.json() == {"changes": [], "tombstones": [], "cursor": cursor,
                            "has_more": False}
    assert queries.count == before


def test_a_change_made_in_this_process_is_pulled_at_once(
        client: Any, make_user: Any) -> None:
    admin = make_user("root", role="admin")
    cursor = client.get(PULL, headers=admin).json()["cursor"]
    client.put("/api/v1/reference/not_ready_reason/lunch", headers=admin,
               json={"code": "lunch", "label": "Lunch", "labels": {}, "paid": False})
    page = client.get(PULL, params={"cursor": cursor}, headers=admin).json()
    assert [c["key"] for c in page["changes"]] == ["lunch"]


def test_a_change_made_by_another_process_is_pulled_once_the_head_is_stale(
        client: Any, make_user: Any, settings: Any, app: Any) -> None:
    from agentdesk.server import reference
    from agentdesk.server.db import make_engine
    from agentdesk.server.usn_head import head_cache

    admin = make_user("root", role="admin")
    cursor = client.get(PULL, headers=admin).json()["cursor"]
    other = make_engine(settings.database_url)  # another process's engine
    try:
        reference.put_document(other, "not_ready_reason", "break", {"code": "break"})
    finally:
        other.dispose()
    cache = head_cache(app.state.server.engine)
    assert cache.head() == cursor  # still trusted: within FRESH_SECONDS
    cache.fresh_seconds = 0.0  # ... which have passed
    page = client.get(PULL, params={"cursor": cursor}, headers=admin).json()
    assert [c["key"] for c in page["changes"]] == ["break"]


def test_a_verified_token_is_not_looked_up_again(
        client: Any, make_user: Any, queries: Queries) -> None:
    agent = make_user("a")
    client.get("/api/v1/records", headers=agent)
    before = queries.count
    client.get("/api/v1/records", headers=agent)
    assert queries.count - before == 1  # the records query only


def test_a_user_disabled_by_another_process_is_refused_after_the_recheck(
        client: Any, make_user: Any, settings: Any, app: Any) -> None:
    from agentdesk.server.db import make_engine
    from agentdesk.server.users import _token_caches, set_disabled

    agent = make_user("a")
    assert client.get("/api/v1/records", headers=agent).status_code == 200
    other = make_engine(settings.database_url)  # the CLI's engine: no cache to clear
    try:
        set_disabled(other, "a")
    finally:
        other.dispose()
    cache = _token_caches[app.state.server.engine]
    assert client.get("/api/v1/records", headers=agent).status_code == 200  # cached
    cache.recheck = 0.0  # the recheck interval has passed
    assert client.get("/api/v1/records", headers=agent).status_code == 401


def test_logout_in_this_process_bites_at_once(client: Any, make_user: Any) -> None:
    agent = make_user("a")
    assert client.get("/api/v1/records", headers=agent).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=agent).status_code == 204
    assert client.get("/api/v1/records", headers=agent).status_code == 401


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_cache_entries_expire_and_late_lookups_are_dropped() -> None:
    clock = Clock()
    cache: TokenCache[str] = TokenCache(ttl_seconds=10, recheck_seconds=1, clock=clock)
    later = utcnow() + timedelta(hours=1)
    cache.observe((0, None))
    cache.put("d1", "alice", later, cache.generation())
    assert cache.get("d1") == "alice"
    clock.now = 1.5
    assert cache.get("d1") is None  # a recheck is due first
    cache.observe((0, None))
    assert cache.get("d1") == "alice"  # nothing was revoked
    cache.observe((1, "2026-11-22"))  # something was: start over
    assert cache.get("d1") is None
    stale = cache.generation()
    cache.forget_all()
    cache.put("d2", "bob", later, stale)  # looked up before the revocation
    assert cache.get("d2") is None
    cache.put("d3", "carol", later, cache.generation())
    clock.now = 12.0
    cache.observe((1, "2026-11-22"))
    assert cache.get("d3") is None  # older than its ttl
    cache.put("d4", "dave", utcnow() - timedelta(seconds=1), cache.generation())
    assert cache.get("d4") is None  # the token itself expired


def test_head_cache_forgets_on_a_commit_and_ignores_a_read_that_raced_it() -> None:
    clock = Clock()
    heads = HeadCache(fresh_seconds=0.25, clock=clock)
    generation = heads.generation()
    heads.remember(7, generation)
    assert heads.head() == 7
    clock.now = 0.3
    assert heads.head() is None
    raced = heads.generation()
    heads.forget()
    heads.remember(7, raced)
    assert heads.head() is None
