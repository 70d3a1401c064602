"""Screen-pop benchmark (issue #4): prints each figure next to its budget.

Starts a throwaway PostgreSQL cluster (or uses --database-url, which must point to an
empty database), migrates it, fills it with 1,000,000 customers and 5,000,000
interactions (call records, notes and callbacks spread over a year and 200 agents)
with INSERT ... SELECT generate_series, then measures a lookup by phone number:
  - directly: agentdesk.server.customers.search_customers, the function the endpoint
    calls (SQL + folding, no HTTP);
  - through the real HTTP API on loopback: GET /api/v1/customers/search?phone=...
    against `agentdesk-server serve` in its own process, one keep-alive client;
and, for information, the first page of a customer's timeline over HTTP.
Budget: lookup by phone p99 <= 10 ms.

Then the desktop: the real seat in this process (pjsua2 on 127.0.0.1, the window
offscreen, wired as app.py wires it; its directory logged in to that server) takes
--calls calls from sipp, one at a time, each from a random customer's number (no IVR
id: the pop searches by phone, ranks, opens the file with its timeline and records
the access). Each figure runs from the moment sipp sent the INVITE (its message
trace) to the customer file filled and painted (CustomerPanel.sig_file_shown, then a
repaint); the seat declines each call once its file shows. Then the server stops and
as many calls come from customers in the seat's local copy (--local-customers of
them, fetched from the server as sync stores them): the offline pop.
Budgets: INVITE to customer file rendered p95 <= 150 ms; offline pop p95 <= 50 ms.
The first few calls of each run are a warm-up and not counted.

    .venv/bin/python bench/screenpop.py [--quick | --customers N] [--lookups 3000]
        [--calls 50] [--local-customers 2000] [--no-desktop]

--quick (a smoke run: same table, same PostgreSQL, same seat and sipp): 10,000
customers of 20 agents, 200 lookups (after 50 to warm up), 5 calls online and 5 offline, 200
customers in the local copy.

The data takes a few minutes to build (indexes are dropped during the load and
rebuilt after it, as a bulk load would). The desktop part needs sipp (sip-tester).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.server import pg_cluster  # noqa: E402

from _support import die_with_parent, exit_on_sigterm, finish, quiet_offscreen_notices  # noqa: E402

LOOKUP_BUDGET_P99_MS = 10.0
AGENTS = 200

FIRST = ["Wei", "Na", "Jun", "Fang", "Min", "Anna", "John", "Maria", "Hui", "Lei", "Jing",
         "Tao", "Yan", "Peter", "Sara", "Chen", "Ming", "Xiu", "David", "Emma"]
LAST = ["Zhang", "Wang", "Li", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
        "Sun", "Ma", "Zhu", "Hu", "Guo", "He", "Smith", "Jones", "Brown", "Garcia", "Miller",
        "Davis", "Lopez", "Wilson", "Taylor", "Moore", "Martin", "Lee", "Walker"]
NATIVE = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨敏", "黄磊", "赵军", "吴涛", "周艳"]


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def phone_of(n: int) -> str:
    """Customer n's number; every 100th customer shares the previous one's (households,
    company switchboards): the screen pop's ambiguous case."""
    if n % 100 == 1 and n > 1:
        n -= 1
    return f"+8613{n:09d}"


CUSTOMERS_SQL = f"""
INSERT INTO customers (customer_id, first_name, last_name, phone, email, account, segment,
                       language, timezone, extra, usn, updated_at, first_name_key,
                       last_name_key, native_name_key)
SELECT 'C' || lpad(n::text, 7, '0'), f, l,
       '+8613' || lpad((CASE WHEN n % 100 = 1 AND n > 1 THEN n - 1 ELSE n END)::text, 9, '0'),
       'c' || n || '@example.cn',
       CASE WHEN n % 2 = 0 THEN 'A' || lpad(n::text, 9, '0') END,
       (ARRAY['gold','silver','bronze'])[1 + n % 3], 'zh', 'Asia/Shanghai',
       CASE WHEN n % 3 = 0
            THEN jsonb_build_object('native_name', nat, 'tier', 'gold', 'city', 'Shanghai')
            ELSE '{{}}'::jsonb END,
       1, now(), lower(f), lower(l), CASE WHEN n % 3 = 0 THEN nat END
FROM (SELECT n,
             ({_sql_array(FIRST)})[1 + n % {len(FIRST)}] AS f,
             ({_sql_array(LAST)})[1 + (n / {len(FIRST)}) % {len(LAST)}]
               || CASE WHEN n % 7 = 0 THEN '-' || (n % 97) ELSE '' END AS l,
             ({_sql_array(NATIVE)})[1 + n % {len(NATIVE)}] || (n % 1000) AS nat
      FROM generate_series(1, CAST(:customers AS integer)) AS n) AS src
"""

# Interactions: 80 % call records, 15 % notes, 5 % callbacks, over the past year. The
# bounds are cast: psycopg sends a small int as smallint, and generate_series(smallint,
# smallint) is ambiguous (a --customers run below 32,768 interactions failed).
INTERACTIONS_SQL = """
INSERT INTO synced_records (id, kind, owner_id, payload, client_created_at, received_at,
                            batch_key, customer_id, call_record_id, occurred_at)
SELECT rid, kind, owner,
       CASE kind
         WHEN 'call_record' THEN jsonb_build_object(
           'id', rid, 'call_id', 'bench-' || g,
           'direction', CASE WHEN g % 3 = 0 THEN 'outbound' ELSE 'inbound' END,
           'remote_number', '+8613' || lpad(c::text, 9, '0'),
           'started_at', t, 'connected_at', t + interval '4 seconds',
           'ended_at', t + (30 + g % 600) * interval '1 second', 'sip_end_code', 200,
           'customer_id', cid, 'script_id', NULL, 'script_version', NULL,
           'script_path', '[]'::jsonb, 'hold_seconds', 0)
         WHEN 'note' THEN jsonb_build_object(
           'id', rid, 'customer_id', cid, 'text', 'customer asked about invoice ' || g,
           'created_at', t, 'call_record_id', NULL)
         ELSE jsonb_build_object(
           'id', rid, 'customer_id', cid, 'due_at', t + interval '2 days',
           'customer_timezone', 'Asia/Shanghai', 'owner', 'me', 'note', 'call back',
           'created_at', t, 'call_record_id', NULL)
       END,
       t, t + interval '2 seconds', NULL, cid, NULL, t
FROM (SELECT g, gen_random_uuid() AS rid, 1 + g % :agents AS owner, c,
             'C' || lpad(c::text, 7, '0') AS cid,
             now() - (g % 31536000) * interval '1 second' - interval '1 hour' AS t,
             CASE WHEN g % 20 = 0 THEN 'callback' WHEN g % 20 < 4 THEN 'note'
                  ELSE 'call_record' END AS kind
      FROM (SELECT g, 1 + (hashint4(g) & 2147483647) % :customers AS c
            FROM generate_series(CAST(:low AS integer), CAST(:high AS integer)) AS g
           ) AS picks) AS src
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], p: int) -> float:
    """Interpolated between the samples: with 50 calls the default (exclusive) method
    put the p95 above the slowest call."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def build(url: str, customers: int, interactions: int, agents: int = AGENTS) -> None:
    from sqlalchemy import text

    from agentdesk.server.config import Settings
    from agentdesk.server.db import make_engine, migrate
    from agentdesk.server.security import password_hasher
    from agentdesk.server.users import add_user

    engine = make_engine(url)
    migrate(engine)
    hasher = password_hasher(Settings(database_url=url, argon2_time_cost=1,
                                      argon2_memory_kib=1024))
    for n in range(agents):
        add_user(engine, hasher, f"agent{n:03d}", "pw", "agent", f"team{n % 10}")
    add_user(engine, hasher, "bench", "pw", "agent")
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('customers', 'synced_records') AND indexname LIKE 'ix_%'")).all()
        for name, _ in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
        conn.execute(text(CUSTOMERS_SQL), {"customers": customers})
        print(f"  {customers:,} customers in {time.perf_counter() - started:.0f} s", flush=True)
        step = 1_000_000
        for low in range(1, interactions + 1, step):
            conn.execute(text(INTERACTIONS_SQL), {
                "agents": agents, "customers": customers, "low": low,
                "high": min(low + step - 1, interactions)})
            print(f"  {min(low + step - 1, interactions):,} interactions "
                  f"at {time.perf_counter() - started:.0f} s", flush=True)
        for _, definition in indexes:
            conn.execute(text(definition))
        print(f"  indexes rebuilt at {time.perf_counter() - started:.0f} s", flush=True)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM ANALYZE customers, synced_records"))
    print(f"  data ready in {time.perf_counter() - started:.0f} s", flush=True)
    engine.dispose()


def measure(label: str, calls: list[Callable[[], object]], warmup: int = 200) -> list[float]:
    for call in calls[:warmup]:  # warm-up: connections, caches, prepared statements
        call()
    times = []
    for call in calls:
        t0 = time.perf_counter()
        call()
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{label}: n={len(times)} p50 {percentile(times, 50):6.2f} ms, "
          f"p95 {percentile(times, 95):6.2f} ms, p99 {percentile(times, 99):6.2f} ms")
    return times


def serve(url: str, stack: ExitStack, keep_log: bool = True
          ) -> tuple[str, str, subprocess.Popen[bytes]]:
    """`agentdesk-server serve` in its own process (as in production: the client's
    Python does not share the server's GIL); returns its base URL, a token and the
    process (terminated when `stack` closes, or earlier by the caller). Its log stays
    in a temp dir unless `keep_log` is false."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from agentdesk.server.db import make_engine
    from agentdesk.server.models import User
    from agentdesk.server.users import issue_token

    port = free_port()
    log_path = Path(tempfile.mkdtemp(prefix="agentdesk-screenpop-")) / "server.log"
    if not keep_log:
        stack.callback(shutil.rmtree, log_path.parent, True)
    log = stack.enter_context(log_path.open("w"))
    env = dict(os.environ, AGENTDESK_DATABASE_URL=url)
    proc = subprocess.Popen([sys.executable, "-m", "agentdesk.server.cli", "serve",
                             "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
    stack.callback(proc.wait, 15)
    stack.callback(proc.terminate)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    # One client for every poll: httpx.get() builds an SSL context each time (~0.1 s
    # of CPU loading the CA bundle), which made waiting the costliest part of --quick.
    with httpx.Client(timeout=1) as probe:
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server did not come up; see {log_path}")
            try:
                if probe.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
    engine = make_engine(url)
    with Session(engine) as s:
        user_id = s.scalar(select(User.id).where(User.username == "bench"))
    assert user_id is not None
    token, _ = issue_token(engine, user_id, timedelta(hours=2))
    engine.dispose()
    return base, token, proc


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)



# --- the desktop: INVITE to customer file rendered, online and offline -----------------

INVITE_BUDGET_P95_MS = 150.0
OFFLINE_BUDGET_P95_MS = 50.0
WARMUP_CALLS = 3  # the first pops open the HTTP connection and fill the caches
NO_POP_AFTER_MS = 5000  # a call whose file never shows is declined and reported


class PopClock:
    """Per call: when the seat's phone reported the INVITE (IncomingCall) and when the
    customer file was on screen (CustomerPanel.sig_file_shown, then painted). Each call
    is declined (486) once its file is shown, so sipp places the next one."""

    def __init__(self, seat: Any) -> None:
        from PySide6.QtCore import QTimer

        self._seat = seat
        self._panel: Any = None
        self._ringing_since = 0.0
        self._call_id: str | None = None
        self.shown_at: list[float] = []  # wall clock, to compare with sipp's trace
        self.after_event_ms: list[float] = []  # IncomingCall -> file shown and painted
        self.missed = 0
        self._give_up = QTimer()
        self._give_up.setSingleShot(True)
        self._give_up.setInterval(NO_POP_AFTER_MS)
        self._give_up.timeout.connect(self.on_give_up_timeout)
        # Connected before CallScreen's slot (the desk is built after this clock), so
        # the clock starts before the pop does.
        seat.bridge.sig_incoming_call.connect(self.on_bridge_incoming_call)

    def watch(self, panel: Any) -> None:
        self._panel = panel
        panel.sig_file_shown.connect(self.on_panel_file_shown)

    def on_bridge_incoming_call(self, event: Any) -> None:
        self._ringing_since = time.perf_counter()
        self._call_id = event.call_id
        self._give_up.start()

    def on_panel_file_shown(self, _customer_id: str) -> None:
        if self._call_id is None:
            return
        self._panel.repaint()  # what the agent sees: filled and painted
        self.after_event_ms.append((time.perf_counter() - self._ringing_since) * 1000)
        self.shown_at.append(time.time())
        self._decline_soon()

    def on_give_up_timeout(self) -> None:
        self.missed += 1
        self._decline_soon()

    def _decline_soon(self) -> None:
        from PySide6.QtCore import QTimer

        call_id, self._call_id = self._call_id, None
        self._give_up.stop()
        if call_id is not None:  # outside the panel's slot: the call ends in its own turn
            QTimer.singleShot(0, lambda: self._seat.calls.reject(call_id))


def invite_send_times(trace: Path) -> list[float]:
    """When sipp sent each call's first INVITE (wall clock), in call order, from its
    -trace_msg file (a dashed line with the local time heads every message)."""
    times: list[float] = []
    seen: set[str] = set()
    chunks = re.split(r"^-{20,} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+)\s*$", trace.read_text(
        errors="replace"), flags=re.M)
    for stamp, body in zip(chunks[1::2], chunks[2::2], strict=True):
        head, _, message = body.strip().partition("\n")
        if "message sent" not in head or not message.lstrip().startswith("INVITE "):
            continue
        call_id = re.search(r"^Call-ID:\s*(\S+)", message, re.M | re.I)
        if call_id is None or call_id.group(1) in seen:
            continue  # a retransmission
        seen.add(call_id.group(1))
        times.append(datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp())
    return times


def run_calls(app: Any, sipp: Any, seat: Any, clock: PopClock, numbers: list[str],
              workdir: Path) -> tuple[list[float], list[float]]:
    """sipp calls the seat once per number, one call at a time; returns, for the calls
    after the warm-up, (INVITE sent -> file painted, IncomingCall -> file painted)."""
    from PySide6.QtCore import QEventLoop, QTimer
    from tests.e2e.test_screen_pop_sip import NO_CUSTOMER_ID, POP_SCENARIO
    from tests.sip.sipp import HOST

    callers = workdir / f"callers-{len(clock.shown_at)}.csv"
    callers.write_text("SEQUENTIAL\n" + "".join(f"{n};\n" for n in numbers))
    first = len(clock.shown_at)
    run = sipp.start(str(POP_SCENARIO), f"{HOST}:{seat.phone.local_port}", calls=len(numbers),
                     fill={"[caller]": "[field0]", **NO_CUSTOMER_ID},
                     extra=["-s", seat.settings.sip.username, "-inf", str(callers),
                            "-l", "1", "-r", "50"],
                     timeout_s=30 + len(numbers))
    loop = QEventLoop()  # the seat runs on this loop while sipp calls it

    def quit_when_sipp_is_done() -> None:
        if run.done:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(quit_when_sipp_is_done)
    poll.start(20)
    loop.exec()
    poll.stop()
    app.processEvents()
    if run.returncode != 0 or clock.missed:
        raise SystemExit(f"{clock.missed} calls showed no file; {run.diagnostics()}")
    sent = invite_send_times(run.trace)
    shown = clock.shown_at[first:]
    if len(sent) != len(numbers) or len(shown) != len(numbers):
        raise SystemExit(f"{len(numbers)} calls, {len(sent)} INVITEs, {len(shown)} pops")
    after_invite = [(s - t) * 1000 for t, s in zip(sent, shown, strict=True)]
    after_event = clock.after_event_ms[first:]
    return after_invite[WARMUP_CALLS:], after_event[WARMUP_CALLS:]


def local_copy(client: httpx.Client, customer_ids: list[str]) -> list[Any]:
    """The server's documents of these customers, as the seat's sync stores them."""
    from agentdesk.core.records import ReferenceChange

    changes = []
    for customer_id in customer_ids:
        r = client.get(f"/api/v1/customers/{customer_id}")
        if r.status_code != 200:
            raise SystemExit(f"customer {customer_id}: {r.status_code} {r.text[:200]}")
        doc = r.json()
        doc.pop("usn", None)
        changes.append(ReferenceChange("customer", customer_id, doc))
    return changes


def measure_desktop_pop(base: str, client: httpx.Client, stop_server: Callable[[], None],
                        customers: int, calls: int, local_customers: int,
                        rng: random.Random, workdir: Path
                        ) -> tuple[tuple[list[float], list[float]],
                                   tuple[list[float], list[float]]]:
    """The seat in this process (pjsua2 on 127.0.0.1, the window offscreen, the pop on
    its worker thread) against the server at `base`: `calls` sipp calls from random
    customers' numbers; then the server stops and as many calls come from customers
    in the seat's local copy (`local_customers` of them, fetched from the server as
    sync would have stored them)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    from tests.e2e.test_screen_pop_sip import open_desk, pop_seat_settings
    from tests.sip.sipp import SippFactory

    from agentdesk.app import Seat
    from agentdesk.credentials import SessionSecretStore
    from agentdesk.paths import SeatPaths
    from agentdesk.sync.api_client import ApiClient
    from agentdesk.sync.customer_directory import CustomerApiClient, ServerCustomerDirectory
    from agentdesk.sync.session import ServerSession

    if shutil.which("sipp") is None:
        raise SystemExit("sipp (Debian package sip-tester) is not installed")
    quiet_offscreen_notices()
    app = QApplication.instance() or QApplication([])
    seat = Seat(SeatPaths(workdir / "seat.toml", workdir / "seat"), pop_seat_settings(),
                SessionSecretStore(None), settings_path=None)
    # The seat's own sync would pull every customer (1M); the pop needs only the
    # directory: the server's endpoints, logged in as the bench agent, and the local copy.
    copied_at = datetime.now(UTC)
    session_client = ApiClient(base)
    session = ServerSession(session_client, "bench", lambda: "pw", data_dir=workdir / "seat")
    directory = ServerCustomerDirectory(CustomerApiClient(base), session, seat.store,
                                        copy_time=lambda: copied_at)
    clock = PopClock(seat)
    desk = open_desk(seat, directory)
    clock.watch(desk.screen.customer_panel)
    sipp = SippFactory(workdir)
    try:
        desk.start()
        session.access_token()  # a seat has logged in long before its first call
        picks = [rng.randint(1, customers) for _ in range(calls + WARMUP_CALLS)]
        online = run_calls(app, sipp, seat, clock, [phone_of(n) for n in picks], workdir)
        known = sorted({rng.randint(1, customers) for _ in range(local_customers)})
        seat.store.apply_reference_changes(
            local_copy(client, [f"C{n:07d}" for n in known]), [], cursor=0)
        stop_server()
        offline_picks = [rng.choice(known) for _ in range(calls + WARMUP_CALLS)]
        offline = run_calls(app, sipp, seat, clock, [phone_of(n) for n in offline_picks],
                            workdir)
        return online, offline
    finally:
        sipp.stop_all()
        desk.close()
        session_client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an EMPTY PostgreSQL database "
                                               "(default: a temp cluster)")
    parser.add_argument("--quick", action="store_true",
                        help="10,000 customers, 200 lookups, 5 calls (a smoke run)")
    parser.add_argument("--customers", type=int, default=None,
                        help="customers to build (5 interactions each; default 1,000,000)")
    parser.add_argument("--lookups", type=int, default=None, help="default 3000")
    parser.add_argument("--calls", type=int, default=None,
                        help="sipp calls to the seat, online and again offline (default 50)")
    parser.add_argument("--local-customers", type=int, default=None,
                        help="customers in the seat's local copy for the offline pops "
                             "(default 2000)")
    parser.add_argument("--no-desktop", dest="desktop", action="store_false",
                        help="server lookups only (no seat, no sipp)")
    args = parser.parse_args()
    exit_on_sigterm()
    customers = args.customers or (10_000 if args.quick else 1_000_000)
    lookups = args.lookups or (200 if args.quick else 3000)
    warmup = 50 if args.quick else 200
    calls = args.calls or (5 if args.quick else 50)
    local_customers = args.local_customers or (200 if args.quick else 2000)
    interactions = 5 * customers
    rng = random.Random(4)

    with ExitStack() as stack:
        url = args.database_url
        where = "the PostgreSQL at --database-url"
        if url is None:
            server_url = stack.enter_context(pg_cluster.pg_cluster())
            pg_cluster.admin_sql(server_url, "CREATE DATABASE bench")
            url = f"{server_url}/bench"
            where = "PostgreSQL (a throw-away cluster)"
        print(f"building {customers:,} customers and {interactions:,} interactions in "
              f"{where} ...", flush=True)
        build(url, customers, interactions, 20 if args.quick else AGENTS)

        from agentdesk.server.customers import search_customers
        from agentdesk.server.db import make_engine

        engine = make_engine(url)
        stack.callback(engine.dispose)
        phones = [phone_of(rng.randint(1, customers)) for _ in range(lookups)]
        direct = measure("lookup by phone, direct (search_customers)", [
            (lambda p=p: search_customers(engine, phone_e164=p)) for p in phones], warmup)
        base, token, server_process = serve(url, stack, keep_log=not args.quick)
        client = stack.enter_context(httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=10))

        def lookup(phone: str) -> None:
            r = client.get("/api/v1/customers/search", params={"phone": phone})
            if r.status_code != 200 or not r.json()["matches"]:
                raise SystemExit(f"lookup failed: {r.status_code} {r.text[:200]}")

        over_http = measure("lookup by phone, HTTP on loopback (GET /customers/search)", [
            (lambda p=p: lookup(p)) for p in phones], warmup)

        def timeline(n: int) -> None:
            r = client.get(f"/api/v1/customers/C{n:07d}/timeline", params={"limit": 20})
            if r.status_code != 200:
                raise SystemExit(f"timeline failed: {r.status_code} {r.text[:200]}")

        measure("timeline first page (20), HTTP on loopback (information)", [
            (lambda n=n: timeline(n))
            for n in (rng.randint(1, customers) for _ in range(lookups // 3))], warmup)

        failed = False
        for label, times in (("direct", direct), ("HTTP", over_http)):
            p99 = percentile(times, 99)
            ok = p99 <= LOOKUP_BUDGET_P99_MS
            failed |= not ok
            print(f"budget: lookup by phone ({label}) p99 {p99:.2f} ms "
                  f"(budget <= {LOOKUP_BUDGET_P99_MS:.0f} ms)  {'ok' if ok else 'MISS'}")
        if args.desktop:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(
                prefix="agentdesk-screenpop-seat-")))
            online, offline = measure_desktop_pop(
                base, client, lambda: stop_process(server_process), customers, calls,
                local_customers, rng, workdir)
            failed |= report_pops(f"online ({customers:,} customers, PostgreSQL, HTTP on "
                                  "loopback)", online, INVITE_BUDGET_P95_MS)
            failed |= report_pops(f"offline (server stopped, {local_customers:,} "
                                  "customers in the local copy)", offline,
                                  OFFLINE_BUDGET_P95_MS)
    return finish(failed, args.quick)


def report_pops(label: str, timings: tuple[list[float], list[float]], budget: float) -> bool:
    """Print the pop's figures and its budget line; True when the budget is missed."""
    after_invite, after_event = timings
    print(f"screen pop {label}: n={len(after_invite)}\n"
          f"  INVITE sent -> customer file painted: p50 {percentile(after_invite, 50):6.1f} ms,"
          f" p95 {percentile(after_invite, 95):6.1f} ms, max {max(after_invite):6.1f} ms\n"
          f"  of which IncomingCall event -> painted: p50 {percentile(after_event, 50):6.1f} ms,"
          f" p95 {percentile(after_event, 95):6.1f} ms")
    p95 = percentile(after_invite, 95)
    ok = p95 <= budget
    print(f"budget: INVITE to customer file rendered, {label.split(' (')[0]} p95 {p95:.1f} ms "
          f"(budget <= {budget:.0f} ms)  {'ok' if ok else f'MISS by {p95 - budget:.1f} ms'}")
    return not ok


if __name__ == "__main__":
    sys.exit(main())
