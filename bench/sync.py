"""Server sync benchmarks (issue #3): prints each figure next to its budget.

Starts a throwaway PostgreSQL cluster (or uses --database-url), migrates it, runs
`agentdesk-server serve` as a separate process on 127.0.0.1, and measures it over
HTTP from outside:
  - ingest: one client pushing batches of 100 records back to back, then 4 clients
    at once: records/s and p99 push latency (budget >= 2,000 records/s, p99 <= 50 ms);
  - load: N simulated agents (default 500), each pushing one record and pulling every
    5 s, for --duration seconds (budget p99 <= 100 ms, zero errors). Each agent has
    its own keep-alive connection, driven by a lean asyncio HTTP/1.1 client in one
    (or --client-processes) process(es); the output gives the CPU the client and
    the server used, so a saturated client cannot pass for a slow server.

    .venv/bin/python bench/sync.py [--quick] [--agents 500] [--duration 30]
        [--workers 1] [--client-processes 1]

--quick (a smoke run: same table, same PostgreSQL): 10 batches per ingest client, and
50 agents syncing every 1 s for 3 s.

Users and tokens are created directly in the database (500 argon2 logins would only
measure argon2). The desktop-side budget (10,000 pending records drained after a
reconnect in <= 10 s) belongs to the sync client and is not measured here.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.server import pg_cluster  # noqa: E402

from _support import die_with_parent, exit_on_sigterm, finish, set_parent_death_signal  # noqa: E402

INGEST_BUDGET_RPS = 2000.0
INGEST_BUDGET_P99_MS = 50.0
LOAD_BUDGET_P99_MS = 100.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else values[0]


def batch(n: int) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {"batch_id": str(uuid.uuid4()), "records": [
        {"id": str(uuid.uuid4()), "kind": "wrapup", "client_created_at": now,
         "payload": {"code": "SOLVED", "notes": "customer satisfied", "script": "v3",
                     "path": ["greet", "verify", "solve", "close"]}} for _ in range(n)]}


def make_tokens(url: str, count: int) -> list[str]:
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
        who = add_user(engine, hasher, f"bench{n}", "pw", "agent", f"team{n % 20}")
        tokens.append(issue_token(engine, who.id, timedelta(hours=2))[0])
    engine.dispose()
    return tokens


def wait_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    # One client for every poll: httpx.get() builds an SSL context (CA bundle) each time.
    with httpx.Client(timeout=1) as probe:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SystemExit("the server exited; see its log")
            try:
                if probe.get(f"{base}/api/v1/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
    raise SystemExit("the server did not come up")


def ingest(base: str, tokens: list[str], batches: int, clients: int) -> tuple[float, float]:
    import concurrent.futures

    def run(token: str) -> list[float]:
        latencies = []
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                          timeout=30) as c:
            c.post("/api/v1/sync/push", json=batch(1))  # warm the connection
            for _ in range(batches):
                body = batch(100)
                t0 = time.perf_counter()
                r = c.post("/api/v1/sync/push", json=body)
                latencies.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200 and r.json()["accepted"] == 100, r.text
        return latencies

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(run, tokens[:clients]))
    elapsed = time.perf_counter() - t0
    latencies = [x for r in results for x in r]
    return clients * batches * 100 / elapsed, p99(latencies)


class KeepAliveConnection:
    """One agent's keep-alive HTTP/1.1 connection over asyncio streams.

    The load client must cost far less than the server it measures: httpx's async pool
    with 500 connections used a whole core on this 2-core box and its queueing showed up
    as seconds of "latency" while the server sat idle. This speaks just the HTTP/1.1 the
    server answers (Content-Length bodies, keep-alive)."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.auth = f"Authorization: Bearer {token}\r\n".encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes | None = None
                      ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n".encode() + self.auth
        if body is not None:
            head += (b"Content-Type: application/json\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\n")
        self.writer.write(head + b"\r\n" + (body or b""))
        try:
            status_line = await self.reader.readline()
            status = int(status_line.split(b" ", 2)[1])
            length, close = 0, False
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            data = await self.reader.readexactly(length)
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            await self.close()
            raise
        if close:
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def load(base: str, tokens: list[str], duration: float, interval: float = 5.0
               ) -> tuple[list[float], int]:
    """Each agent pushes one record and pulls from its cursor every `interval` s;
    returns the latencies (ms) and the error count."""
    latencies: list[float] = []
    reasons: list[str] = []
    errors = 0
    host, port = base.removeprefix("http://").split(":")

    async def agent(token: str) -> None:
        nonlocal errors
        conn = KeepAliveConnection(host, int(port), token)
        cursor = 0
        await asyncio.sleep(random.uniform(0, interval))
        end = time.monotonic() + duration
        try:
            while time.monotonic() < end:
                started = time.monotonic()
                for method, body in (("POST", json.dumps(batch(1)).encode()), ("GET", None)):
                    path = "/api/v1/sync/push" if body else f"/api/v1/sync/pull?cursor={cursor}"
                    t0 = time.perf_counter()
                    try:
                        status, data = await asyncio.wait_for(
                            conn.request(method, path, body), 10)
                        ok = status == 200
                        if ok and method == "GET":
                            cursor = json.loads(data)["cursor"]
                        elif not ok:
                            reasons.append(f"{method} status {status}: {data[:200]!r}")
                    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError,
                            TimeoutError) as exc:
                        ok = False
                        reasons.append(f"{method} {exc!r}")
                        await conn.close()
                    latencies.append((time.perf_counter() - t0) * 1000)
                    errors += not ok
                await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))
        finally:
            await conn.close()

    await asyncio.gather(*(agent(t) for t in tokens))
    for reason in reasons[:5]:
        print(f"  load error: {reason}", flush=True)
    return latencies, errors


def _load_process(base: str, tokens: list[str], duration: float, interval: float,
                  out: Any) -> None:
    """A client process's share of the agents; sends back (latencies, errors, CPU s)."""
    set_parent_death_signal()  # it dies with the benchmark
    cpu = time.process_time()
    latencies, errors = asyncio.run(load(base, tokens, duration, interval))
    out.send((latencies, errors, time.process_time() - cpu))
    out.close()


def load_in_processes(base: str, tokens: list[str], duration: float, interval: float,
                      processes: int) -> tuple[list[float], int, list[float]]:
    """The agents split over `processes` client processes (so that the client, not the
    server, is never what saturates a core); returns latencies, errors, CPU s each."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    pipes, procs = [], []
    for n in range(processes):
        here, there = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_load_process,
                           args=(base, tokens[n::processes], duration, interval, there))
        proc.start()
        pipes.append(here)
        procs.append(proc)
    results = [pipe.recv() for pipe in pipes]
    for proc in procs:
        proc.join(30)
    return ([x for r in results for x in r[0]], sum(r[1] for r in results),
            [r[2] for r in results])


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_p99(log: Path, start: int) -> str:
    """p99 per path from the server's access log lines written since `start`."""
    durations: dict[str, list[float]] = {}
    with log.open() as f:
        f.seek(start)
        for line in f:
            at = line.find('{"method"')
            if at >= 0:
                entry = json.loads(line[at:])
                durations.setdefault(entry["path"], []).append(entry["duration_ms"])
    return ", ".join(f"{path.rsplit('/', 1)[-1]} {p99(values):.1f} ms"
                     for path, values in sorted(durations.items())) or "no log"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="use this PostgreSQL (default: a temp cluster)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run")
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--client-processes", type=int, default=1,
                        help="load client processes the agents are split over")
    args = parser.parse_args()
    exit_on_sigterm()
    batches = 10 if args.quick else 100
    agents = min(args.agents, 50) if args.quick else args.agents
    duration = 3.0 if args.quick else args.duration
    interval = 1.0 if args.quick else 5.0

    with ExitStack() as stack:
        url = args.database_url
        if url is None:
            server = stack.enter_context(pg_cluster.pg_cluster(max_connections=300))
            pg_cluster.admin_sql(server, "CREATE DATABASE bench")
            url = f"{server}/bench"
        tokens = make_tokens(url, max(agents, 4))
        port = free_port()
        log = stack.enter_context(tempfile.NamedTemporaryFile(
            "w", prefix="agentdesk-bench-", suffix=".log", delete=False))
        if args.quick:  # a smoke run keeps no log
            stack.callback(os.unlink, log.name)
        env = dict(os.environ, AGENTDESK_DATABASE_URL=url)
        proc = subprocess.Popen([sys.executable, "-m", "agentdesk.server.cli", "serve",
                                 "--port", str(port), "--workers", str(args.workers)],
                                env=env, stdout=log, stderr=subprocess.STDOUT,
                                preexec_fn=die_with_parent)
        stack.callback(proc.wait, 15)
        stack.callback(proc.terminate)
        base = f"http://127.0.0.1:{port}"
        wait_up(base, proc)

        failed = False
        for clients in (1, 4):
            rps, lat = ingest(base, tokens, batches, clients)
            ok = rps >= INGEST_BUDGET_RPS and lat <= INGEST_BUDGET_P99_MS
            failed |= clients == 1 and not ok
            print(f"ingest, {clients} client(s), batches of 100: {rps:8.0f} records/s "
                  f"(budget >= {INGEST_BUDGET_RPS:.0f}), p99 push {lat:6.1f} ms "
                  f"(budget <= {INGEST_BUDGET_P99_MS:.0f})  {'ok' if ok else 'MISS'}")
        log.flush()
        log_start = Path(log.name).stat().st_size
        server_cpu = process_cpu_seconds(proc.pid)
        load_started = time.monotonic()
        latencies, errors, cpu = load_in_processes(base, tokens[:agents], duration,
                                                   interval, args.client_processes)
        load_wall = time.monotonic() - load_started
        server_cpu = process_cpu_seconds(proc.pid) - server_cpu
        lat = p99(latencies)
        ok = lat <= LOAD_BUDGET_P99_MS and errors == 0
        failed |= not ok
        print(f"load, {agents} agents syncing every {interval:g} s for {duration:g} s: "
              f"{len(latencies)} requests, p99 {lat:6.1f} ms (budget <= "
              f"{LOAD_BUDGET_P99_MS:.0f}), {errors} errors (budget 0)  {'ok' if ok else 'MISS'}")
        busy = ", ".join(f"{100 * c / (duration + interval):.0f}%" for c in cpu)
        print(f"  load client: {len(cpu)} process(es) of asyncio keep-alive HTTP/1.1 "
              f"connections (one per agent); each used {busy} of a core")
        server_side = server_p99(Path(log.name), log_start)
        print(f"  ... of which inside the server (its access log): p99 {server_side}")
        print(f"  server process CPU during the load: {100 * server_cpu / load_wall:.0f}% of "
              f"a core, {1000 * server_cpu / max(1, len(latencies)):.2f} ms per request")
        print(f"server: {args.workers} worker process(es) on {os.cpu_count()} CPUs; "
              f"log: {'removed (--quick)' if args.quick else log.name}")
    return finish(failed, args.quick)


if __name__ == "__main__":
    sys.exit(main())
