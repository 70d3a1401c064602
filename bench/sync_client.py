"""Desktop sync benchmark (issue #3): 10,000 pending records drained after a reconnect
in <= 10 s. Prints the figure next to its budget.

Runs `agentdesk-server` as a separate process on 127.0.0.1 (SQLite in a temp dir by
default, or --database-url, e.g. a PostgreSQL database), creates an agent with the
server's own CLI, fills a desktop store with --count pending records while the
server is unknown to the desktop, then starts the desktop's SyncService and times
start -> pending 0 (login, every push batch and marking, one pull).

    .venv/bin/python bench/sync_client.py [--quick] [--count 10000] [--batch 100]
        [--postgres | --database-url URL]

--quick: 1,000 records (a smoke run: same figure, same budget line, SQLite server).

(bench/sync.py measures the server side: ingest and 500 agents' load.)
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx

from agentdesk.core.records import AgentStateChange, CallRecord, Direction
from agentdesk.store import open_store
from agentdesk.sync.api_client import ApiClient
from agentdesk.sync.service import Connectivity, SyncService, SyncStatus
from agentdesk.sync.session import ServerSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from _support import die_with_parent, exit_on_sigterm, finish

BUDGET_S = 10.0
SERVER = str(Path(sys.executable).with_name("agentdesk-server"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    base = [SERVER, "--database-url", database_url]
    subprocess.run([*base, "migrate"], check=True, capture_output=True,
                   preexec_fn=die_with_parent)
    subprocess.run([*base, "user", "add", "bench-agent", "--role", "agent"],
                   input=b"bench password\n", check=True, capture_output=True,
                   preexec_fn=die_with_parent)
    with log.open("wb") as out:
        proc = subprocess.Popen([*base, "serve", "--host", "127.0.0.1", "--port", str(port)],
                                stdout=out, stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent)
    deadline = time.monotonic() + 30
    # One client for every poll: httpx.get() builds an SSL context (CA bundle) each time.
    with httpx.Client(timeout=1) as probe:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited; see {log}")
            try:
                if probe.get(f"http://127.0.0.1:{port}/api/v1/health").is_success:
                    return proc
            except httpx.TransportError:
                time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not come up")


def fill(data_dir: Path, count: int) -> None:
    store = open_store(data_dir)
    try:
        now = datetime.now(UTC)
        for i in range(count):
            if i % 2:
                store.save_call_record(CallRecord(f"bench-{i}", Direction.INBOUND,
                                                  "+8613800138000", now, ended_at=now))
            else:
                store.save_agent_state_change(AgentStateChange("ready", now))
        assert store.pending_count() == count
    finally:
        store.close()


def drain(data_dir: Path, url: str, batch: int) -> tuple[float, SyncStatus]:
    store = open_store(data_dir)
    client = ApiClient(url)
    session = ServerSession(client, "bench-agent", lambda: "bench password")
    service = SyncService(store, client, session, batch_size=batch, interval=3600.0)
    done = threading.Event()
    service.add_listener(lambda s: done.set() if s.connectivity is Connectivity.ONLINE
                         or s.connectivity is Connectivity.LOGIN_REQUIRED else None)
    try:
        started = time.perf_counter()
        service.start()
        if not done.wait(120):
            raise SystemExit("the drain did not finish in 120 s")
        elapsed = time.perf_counter() - started
        return elapsed, service.status
    finally:
        service.stop()
        client.close()
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 records (a smoke run)")
    parser.add_argument("--count", type=int, default=None, help="records (default 10,000)")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--database-url")
    parser.add_argument("--postgres", action="store_true",
                        help="start a throwaway PostgreSQL cluster for the server")
    args = parser.parse_args()
    exit_on_sigterm()
    count = args.count or (1_000 if args.quick else 10_000)
    with tempfile.TemporaryDirectory(prefix="agentdesk-bench-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        url = args.database_url or f"sqlite:///{root / 'server.sqlite3'}"
        if args.postgres:
            sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
            from tests.server import pg_cluster

            cluster = stack.enter_context(pg_cluster.pg_cluster())
            pg_cluster.admin_sql(cluster, "CREATE DATABASE bench")
            url = f"{cluster}/bench"
        port = free_port()
        proc = start_server(url, port, root / "server.log")
        try:
            t0 = time.perf_counter()
            fill(root / "desk", count)
            print(f"filled {count} pending records in {time.perf_counter() - t0:.1f} s")
            elapsed, status = drain(root / "desk", f"http://127.0.0.1:{port}", args.batch)
        finally:
            proc.terminate()
            proc.wait(10)
    ok = status.connectivity is Connectivity.ONLINE and status.pending == 0
    verdict = "OK" if ok and elapsed <= BUDGET_S else "MISS"
    why = "" if ok else (f" (ended {status.connectivity.value}, {status.pending} pending: "
                         f"{status.last_error})")
    print(f"drain {count} records in batches of {args.batch}: {elapsed:.2f} s "
          f"({count / elapsed:,.0f} records/s), budget <= {BUDGET_S:.0f} s: "
          f"{verdict}{why}")
    if not ok:  # the drain did not finish: the client no longer works
        return 1
    return finish(verdict != "OK", args.quick)


if __name__ == "__main__":
    sys.exit(main())
