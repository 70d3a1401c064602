"""A login flood must not starve the desks (issue 12, finding 4): prints each figure next
to its budget.

For SQLite and for PostgreSQL (a throw-away cluster, as tests/server/pg_cluster.py
starts it), runs `agentdesk-server serve` (one process, production argon2 parameters)
and measures 20 desks syncing - each pushes one record, pulls from its cursor, pauses
1 s, again - first alone, then while 32 connections post bogus logins with random user
names back to back (a hostile client: it ignores Retry-After). Budget under the flood:
push p99 <= 250 ms and 0 desk errors. The desks and the flood run in one client
process of lean asyncio keep-alive HTTP/1.1 connections (bench/sync.py's client).

    .venv/bin/python bench/login_flood.py [--quick] [--duration 30] [--desks 20]
        [--flood 32] [--backend sqlite|postgresql|both]

Everything it starts dies with it: the server processes and the cluster are also
handed to a watchdog process that stops them if this one is killed outright.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from tests.server import pg_cluster  # noqa: E402

from sync import (  # noqa: E402  (bench/sync.py)
    KeepAliveConnection,
    free_port,
    process_cpu_seconds,
)

PUSH_P99_BUDGET_MS = 250.0
DESK_PAUSE_S = 1.0

# The watchdog: reads "+pid N", "-pid N", "+pgdata DIR", "-pgdata DIR" lines; when its
# stdin closes (this process ended, however) it ends what is still registered.
WATCHDOG = r"""
import os, signal, subprocess, sys, time
pids, clusters = set(), set()
for line in sys.stdin:
    sign, kind, value = line[0], *line[1:].strip().split(" ", 1)
    target = pids if kind == "pid" else clusters
    value = int(value) if kind == "pid" else value
    (target.add if sign == "+" else target.discard)(value)
for pid in pids:
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
time.sleep(2 if pids else 0)
for pid in pids:
    try:
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass
for data in clusters:
    cmd = [os.path.join(sys.argv[1], "pg_ctl"), "-D", data, "-m", "immediate", "stop"]
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    subprocess.run(cmd, capture_output=True)
    subprocess.run(["rm", "-rf", os.path.dirname(data)])
"""


class Watchdog:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", WATCHDOG, str(pg_cluster.PG_BIN)],
                                     stdin=subprocess.PIPE, text=True,
                                     start_new_session=True)

    def _say(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def watch_pid(self, pid: int) -> None:
        self._say(f"+pid {pid}")

    def forget_pid(self, pid: int) -> None:
        self._say(f"-pid {pid}")

    def watch_cluster(self, data: Path) -> None:
        self._say(f"+pgdata {data}")

    def forget_cluster(self, data: Path) -> None:
        self._say(f"-pgdata {data}")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


def quantile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100)[q - 1]


def make_desks(url: str, count: int) -> list[str]:
    """Desk users and their tokens, straight into the database (cheap hashes: the desks
    do not log in; the flood meets the server's real argon2 parameters)."""
    from agentdesk.server.config import Settings
    from agentdesk.server.db import make_engine, migrate
    from agentdesk.server.security import password_hasher
    from agentdesk.server.users import add_user, issue_token

    engine = make_engine(url)
    migrate(engine)
    hasher = password_hasher(Settings(database_url=url, argon2_time_cost=1,
                                      argon2_memory_kib=1024))
    tokens = []
    for n in range(count):
        who = add_user(engine, hasher, f"desk{n}", "desk password", "agent", "north")
        tokens.append(issue_token(engine, who.id, timedelta(hours=2))[0])
    engine.dispose()
    return tokens


def _record() -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {"id": str(uuid.uuid4()), "kind": "wrapup", "client_created_at": now,
            "payload": {"code": "SOLVED", "notes": "customer satisfied", "script": "v3",
                        "path": ["greet", "verify", "solve", "close"]}}


async def desks(base: str, tokens: list[str], duration: float) -> dict[str, Any]:
    host, port = base.removeprefix("http://").split(":")
    pushes: list[float] = []
    pulls: list[float] = []
    reasons: list[str] = []

    async def desk(token: str) -> None:
        conn = KeepAliveConnection(host, int(port), token)
        cursor = 0
        await asyncio.sleep(random.uniform(0, DESK_PAUSE_S))
        end = time.monotonic() + duration
        try:
            while time.monotonic() < end:
                body = json.dumps({"batch_id": str(uuid.uuid4()),
                                   "records": [_record()]}).encode()
                for method, path, data, into in (
                        ("POST", "/api/v1/sync/push", body, pushes),
                        ("GET", f"/api/v1/sync/pull?cursor={cursor}", None, pulls)):
                    t0 = time.perf_counter()
                    try:
                        status, answer = await asyncio.wait_for(
                            conn.request(method, path, data), 10)
                        if status != 200:
                            reasons.append(f"{method} {status}: {answer[:120]!r}")
                        elif method == "GET":
                            cursor = json.loads(answer)["cursor"]
                    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError,
                            TimeoutError) as exc:
                        reasons.append(f"{method} {exc!r}")
                        await conn.close()
                    into.append((time.perf_counter() - t0) * 1000)
                await asyncio.sleep(DESK_PAUSE_S)
        finally:
            await conn.close()

    await asyncio.gather(*(desk(t) for t in tokens))
    return {"pushes": pushes, "pulls": pulls, "errors": reasons}


async def flood(base: str, connections: int, duration: float,
                spread: bool) -> dict[str, Any]:
    host, port = base.removeprefix("http://").split(":")
    answers: Counter[str] = Counter()
    latencies: list[float] = []

    async def attacker() -> None:
        conn = KeepAliveConnection(host, int(port), "")
        conn.auth = b""  # no token: anyone may knock
        end = time.monotonic() + duration
        try:
            while time.monotonic() < end:
                body = json.dumps({"username": f"u{random.getrandbits(48):x}",
                                   "password": f"p{random.getrandbits(64):x}"}).encode()
                if spread:  # through the trusted proxy, from an address of 10/8
                    conn.auth = (f"X-Forwarded-For: 10.{random.randrange(256)}."
                                 f"{random.randrange(256)}.{random.randrange(1, 255)}\r\n"
                                 ).encode()
                t0 = time.perf_counter()
                try:
                    status, _ = await asyncio.wait_for(
                        conn.request("POST", "/api/v1/auth/login", body), 30)
                    answers[str(status)] += 1
                except (OSError, ValueError, IndexError, asyncio.IncompleteReadError,
                        TimeoutError) as exc:
                    answers[type(exc).__name__] += 1
                    await conn.close()
                latencies.append((time.perf_counter() - t0) * 1000)
        finally:
            await conn.close()

    await asyncio.gather(*(attacker() for _ in range(connections)))
    return {"answers": dict(answers), "latencies": latencies}


async def run_clients(base: str, tokens: list[str], flood_connections: int,
                      duration: float, spread: bool = False
                      ) -> tuple[dict[str, Any], dict[str, Any] | None, float]:
    """The desks and (when flood_connections) the flood, in this process's event loop
    (both clients are light: the server, not they, is what is measured; the CPU they
    used is returned)."""
    cpu = time.process_time()
    if flood_connections:
        desk_result, flood_result = await asyncio.gather(
            desks(base, tokens, duration),
            flood(base, flood_connections, duration, spread))
    else:
        desk_result, flood_result = await desks(base, tokens, duration), None
    return desk_result, flood_result, time.process_time() - cpu


class Server:
    """`agentdesk-server serve` on a migrated database with the desks' users."""

    def __init__(self, watchdog: Watchdog, backend: str, url: str, desks: int) -> None:
        self.backend = backend
        self.tokens = make_desks(url, desks)
        port = free_port()
        self.log_path = Path(tempfile.gettempdir()) / f"agentdesk-flood-{backend}-{port}.log"
        # 127.0.0.1 is the trusted proxy the "many addresses" flood comes through
        env = dict(os.environ, AGENTDESK_DATABASE_URL=url, AGENTDESK_TRUSTED_PROXIES="127.0.0.1")
        for name in ("AGENTDESK_ARGON2_TIME_COST", "AGENTDESK_ARGON2_MEMORY_KIB"):
            env.pop(name, None)  # the production cost is the point
        with self.log_path.open("w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "agentdesk.server.cli",
                                          "serve", "--port", str(port)], env=env,
                                         stdout=log, stderr=subprocess.STDOUT)
        self.watchdog = watchdog
        watchdog.watch_pid(self.proc.pid)
        self.base = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.watchdog.forget_pid(self.proc.pid)
        if self.proc.returncode in (0, -signal.SIGTERM):  # a clean stop: nothing to read
            self.log_path.unlink(missing_ok=True)
        else:
            print(f"server log kept: {self.log_path}", file=sys.stderr)


def wait_up(base: str, proc: subprocess.Popen[bytes], seconds: float = 120) -> None:
    """Until the server answers (a loaded machine may take a while to import it)."""
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited; see its log")
        try:
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("the server did not come up")


def measure(server: Server, args: argparse.Namespace) -> list[dict[str, Any]]:
    wait_up(server.base, server.proc)
    # warm up (connections, token cache, lazy imports): not measured
    asyncio.run(run_clients(server.base, server.tokens, 0, min(1.0, args.duration / 2)))
    rows = []
    for flooded in ("no", "1 addr", "many"):
        cpu = process_cpu_seconds(server.proc.pid)
        started = time.monotonic()
        desk_result, flood_result, client_cpu = asyncio.run(run_clients(
            server.base, server.tokens, args.flood if flooded != "no" else 0, args.duration,
            spread=flooded == "many"))
        wall = time.monotonic() - started
        rows.append({"backend": server.backend, "flooded": flooded, "desks": desk_result,
                     "flood": flood_result, "wall": wall, "client_cpu": client_cpu,
                     "server_cpu": process_cpu_seconds(server.proc.pid) - cpu})
    return rows


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> bool:
    print(f"login flood: {args.desks} desks (push 1 record + pull, {DESK_PAUSE_S:.0f} s "
          f"pause) for {args.duration:.0f} s, alone and with {args.flood} connections "
          "posting bogus logins (random names) back to back, from one address or from "
          "random addresses through a trusted proxy")
    head = (f"{'backend':<11}{'flood':<8}{'pushes':>7}{'p50 ms':>8}{'p99 ms':>8}"
            f"{'  budget':<10}{'pull p99':>9}{'errors':>7}  {'server CPU':>10}  "
            "logins: answers/s (count by status), p50 ms")
    print(head)
    ok_all = True
    for row in rows:
        d = row["desks"]
        p99 = quantile(d["pushes"], 99)
        errors = len(d["errors"])
        line = (f"{row['backend']:<11}{row['flooded']:<8}"
                f"{len(d['pushes']):>7}{quantile(d['pushes'], 50):>8.1f}{p99:>8.1f}")
        if row["flooded"] != "no":
            ok = p99 <= PUSH_P99_BUDGET_MS and errors == 0
            ok_all &= ok
            line += f"  {'<= 250':<8}"
        else:
            ok = errors == 0
            line += f"  {'(base)':<8}"
        line += (f"{quantile(d['pulls'], 99):>9.1f}{errors:>7}  "
                 f"{100 * row['server_cpu'] / row['wall']:>9.0f}%  ")
        f = row["flood"]
        if f is not None:
            total = sum(f["answers"].values())
            statuses = ", ".join(f"{k}: {v}" for k, v in sorted(f["answers"].items()))
            line += (f"{total / args.duration:.0f}/s ({statuses}), "
                     f"p50 {quantile(f['latencies'], 50):.1f}")
        else:
            line += "-"
        print(line + ("" if ok else "  MISS"))
        for reason in d["errors"][:3]:
            print(f"    desk error: {reason}")
    cpus = ", ".join(f"{100 * r['client_cpu'] / r['wall']:.0f}%" for r in rows)
    print(f"client (desks + flood, one asyncio process) CPU per run: {cpus} of a core; "
          "the server: 1 process, "
          f"{os.cpu_count()} CPUs, argon2 at its defaults (t=3, 64 MiB) on "
          "login_hash_workers threads (default: half the CPUs)")
    return ok_all


def _done(server: Server) -> Future[Server]:
    future: Future[Server] = Future()
    future.set_result(server)
    return future


def _postgresql_server(stack: ExitStack, watchdog: Watchdog,
                       args: argparse.Namespace) -> Server:
    clusters: list[Path] = []

    def started(data: Path) -> None:
        watchdog.watch_cluster(data)
        clusters.append(data)

    url = stack.enter_context(pg_cluster.pg_cluster(started=started))
    stack.callback(lambda: [watchdog.forget_cluster(d) for d in clusters])
    pg_cluster.admin_sql(url, "CREATE DATABASE bench")
    server = Server(watchdog, "postgresql", f"{url}/bench", args.desks)
    stack.callback(server.stop)
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a short run (<= 15 s)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--desks", type=int, default=20)
    parser.add_argument("--flood", type=int, default=32, help="bogus login connections")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    if args.quick:
        args.duration = 2.0

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    rows: list[dict[str, Any]] = []
    watchdog = Watchdog()
    try:
        with ExitStack() as stack, ThreadPoolExecutor(1) as background:
            # Both servers start before either is measured (an idle server costs the
            # other nothing): the cluster and the PostgreSQL server come up meanwhile.
            servers: list[Future[Server]] = []
            if args.backend in ("postgresql", "both"):
                servers.append(background.submit(_postgresql_server, stack, watchdog, args))
            if args.backend in ("sqlite", "both"):
                folder = stack.enter_context(tempfile.TemporaryDirectory(
                    prefix="agentdesk-flood-"))
                sqlite = Server(watchdog, "sqlite", f"sqlite:///{folder}/server.sqlite3",
                                args.desks)
                stack.callback(sqlite.stop)
                servers.insert(0, _done(sqlite))
            for future in servers:
                server = future.result()
                rows += measure(server, args)
    finally:
        watchdog.close()
    return 0 if report(rows, args) else 1


if __name__ == "__main__":
    sys.exit(main())
