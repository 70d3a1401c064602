"""Outbound campaign benchmarks (issue 15): prints each figure next to its budget.

Starts a throwaway PostgreSQL cluster (or uses --database-url), migrates it and
measures, in this process (the server's own functions, no HTTP):
  - the dial gate alone: decisions/s over a mix of leads (Beijing, New York, a
    toll-free North American number with dozens of zones), CPU time (budget >= 50,000);
  - `import leads` of 100,000 CSV rows into a campaign, new customers linked and
    granted (budget <= 30 s);
  - `campaign check` over 1,000,000 leads, the CSV written to a counter (budget <= 20 s);
  - next lead: 200 agents at once on one campaign of 1,000,000 leads for 30 s, each
    taking the next lead, dialling it (the gate again), ending the attempt, then
    `--think` seconds on the call: p99 of next lead (budget <= 20 ms) and leads given
    to two agents (budget 0).

    .venv/bin/python bench/campaigns.py [--quick] [--leads 1000000] [--agents 200]
        [--duration 30] [--think 1.0]

The agents are threads of this one Python process: their next-lead latency includes
waiting for the interpreter lock behind the other agents' work, so it is an upper
bound of what one server process would add; the CPU the run used is printed too.
Never asserts: it reports.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from tests.server import campaign_load, pg_cluster  # noqa: E402

GATE_BUDGET = 50_000.0
IMPORT_BUDGET_S = 30.0
CHECK_BUDGET_S = 20.0
NEXT_BUDGET_P99_MS = 20.0


def line(name: str, value: str, budget: str, ok: bool) -> None:
    print(f"{name:<58} {value:>22}   budget {budget:<14} {'ok' if ok else 'MISS'}",
          flush=True)


def bench_gate(decisions: int) -> None:
    from agentdesk.core.campaigns import Attempts, DncLists, Lead, decide
    from agentdesk.core.campaigns.rules import CampaignRules, parse_calling_hours

    rules = CampaignRules("bench", parse_calling_hours(
        {"mon-fri": "09:00-21:00", "sat": "10:00-18:00", "sun": "closed"}),
        max_attempts=3, max_attempts_per_day=2, max_calls_per_number_24h=5)
    rng = random.Random(1)
    phones = ["+8613800138000"] * 80 + ["+12125551234"] * 15 + ["+18005551234"] * 5
    leads = [Lead(f"L{n}", rng.choice(phones)) for n in range(1000)]
    base = datetime(2027, 3, 15, 13, 30, tzinfo=UTC)
    instants = [base + timedelta(minutes=rng.randrange(0, 7 * 1440)) for _ in range(97)]
    past = [base - timedelta(hours=3)]
    attempts = [Attempts(), Attempts(past, past)]
    lists = DncLists({"+8613800138999"}, frozenset())
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(decisions):
        decide(rules, leads[n % 1000], attempts[n & 1], lists, instants[n % 97])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    rate = decisions / cpu
    line(f"gate alone, {decisions:,} decisions (CPU time)", f"{rate:,.0f} /s",
         f">= {GATE_BUDGET:,.0f}/s", rate >= GATE_BUDGET)
    print(f"    (wall {decisions / wall:,.0f} decisions/s on a shared machine)")


def bench_import(url: str, rows: int) -> None:
    from agentdesk.core.campaigns.campaign_file import check_campaign_document
    from agentdesk.server.db import make_engine
    from agentdesk.server.leads_import import import_leads
    from agentdesk.server.reference import put_document

    engine = make_engine(url)
    document = {"id": "imp", "title": "Import", "assigned": {"teams": ["sales"]},
                "default_region": "CN"}
    put_document(engine, "campaign", "imp", document)
    campaign = check_campaign_document("imp", document)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "leads.csv"
        with path.open("w", encoding="utf-8") as f:
            f.write("lead_id,phone,first_name,last_name,consent,priority,plan\n")
            for n in range(rows):
                f.write(f"I{n},139 {n // 10000:04d} {n % 10000:04d},名{n},姓,yes,{n % 7},"
                        f"p{n % 3}\n")
        cpu, wall = time.process_time(), time.perf_counter()
        report = import_leads(engine, campaign, path)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    engine.dispose()
    line(f"import leads, {rows:,} rows ({report.customers_created:,} new customers)",
         f"{wall:.1f} s", f"<= {IMPORT_BUDGET_S:.0f} s", wall <= IMPORT_BUDGET_S)
    print(f"    (CPU {cpu:.1f} s in this process; {len(report.rejected)} rows rejected)")


class _Count(io.TextIOBase):
    def __init__(self) -> None:
        self.lines = 0

    def write(self, text: str) -> int:
        self.lines += text.count("\n")
        return len(text)


def bench_check(url: str, leads: int) -> None:
    import csv

    from agentdesk.server.campaigns import check_rows
    from agentdesk.server.db import make_engine

    engine = make_engine(url)
    out = _Count()
    writer = csv.writer(out, lineterminator="\n")
    at = datetime(2027, 3, 15, 13, 30, tzinfo=UTC)
    cpu, wall = time.process_time(), time.perf_counter()
    for row in check_rows(engine, "load", at):
        writer.writerow(row)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    engine.dispose()
    line(f"campaign check, {leads:,} leads ({out.lines - 1:,} rows)", f"{wall:.1f} s",
         f"<= {CHECK_BUDGET_S:.0f} s", wall <= CHECK_BUDGET_S)
    print(f"    (CPU {cpu:.1f} s in this process)")


def bench_next_alone(url: str, calls: int) -> None:
    """One agent, nothing else running in this process: the CPU one next lead costs."""
    from agentdesk.server import campaigns
    from agentdesk.server.db import make_engine
    from agentdesk.server.users import Principal

    engine = make_engine(url)
    who = Principal(id=0, username="solo", role="agent", team="load")
    spent: list[float] = []
    cpu_total = 0.0
    for _ in range(calls):
        cpu, t0 = time.process_time(), time.perf_counter()
        got = campaigns.next_lead(engine, "load", who)
        spent.append(time.perf_counter() - t0)
        cpu_total += time.process_time() - cpu
        attempt = campaigns.dial(engine, "load", got["lead"]["lead_id"], who)
        campaigns.record_outcome(engine, attempt["attempt_id"], "connected", who)
    engine.dispose()
    spent.sort()
    p99 = spent[min(len(spent) - 1, int(0.99 * len(spent)))] * 1000
    line(f"next lead, one agent alone, {calls} calls", f"p99 {p99:.1f} ms",
         f"<= {NEXT_BUDGET_P99_MS:.0f} ms", p99 <= NEXT_BUDGET_P99_MS)
    print(f"    (CPU {cpu_total / calls * 1000:.1f} ms per next lead in this process, "
          f"median {spent[len(spent) // 2] * 1000:.1f} ms wall)")


def bench_next(url: str, leads: int, agents: int, duration: float, think: float) -> None:
    from agentdesk.server.db import make_engine

    engine = make_engine(url, pool_size=agents)
    cpu = time.process_time()
    result = campaign_load.run_agents(engine, agents, duration, think=think)
    cpu = time.process_time() - cpu
    engine.dispose()
    p50, p99 = result.p(0.50) * 1000, result.p(0.99) * 1000
    doubles = len(result.doubles())
    line(f"next lead, {agents} agents, {leads:,} leads, {duration:.0f} s, think {think} s",
         f"p99 {p99:.1f} ms", f"<= {NEXT_BUDGET_P99_MS:.0f} ms", p99 <= NEXT_BUDGET_P99_MS)
    line("    leads given to two agents", f"{doubles}", "0", doubles == 0)
    print(f"    ({result.calls:,} next-lead calls, {len(result.given):,} leads given, "
          f"p50 {p50:.1f} ms, {len(result.errors)} errors, CPU {cpu:.1f} s over "
          f"{result.elapsed:.1f} s)")
    for error in result.errors[:3]:
        print(f"    error: {error}")


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    if url is not None:
        yield url
        return
    with pg_cluster.pg_cluster(max_connections=max(300, 0)) as server:
        pg_cluster.admin_sql(server, "CREATE DATABASE bench")
        yield f"{server}/bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="use this PostgreSQL (default: a temp cluster)")
    parser.add_argument("--quick", action="store_true", help="a short run, fewer samples")
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds an agent spends on a call before the next lead")
    parser.add_argument("--parts", default="gate,import,check,next",
                        help="which figures, comma-separated (default all)")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    leads = 20_000 if args.quick else args.leads
    agents = min(args.agents, 20) if args.quick else args.agents
    duration = 3.0 if args.quick else args.duration
    import_rows = 2_000 if args.quick else 100_000
    decisions = 20_000 if args.quick else 200_000
    print(f"agentdesk campaigns bench{' (--quick)' if args.quick else ''}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if "gate" in parts:
        bench_gate(decisions)
    from agentdesk.server.db import make_engine, migrate

    with database(args.database_url) as url:
        engine = make_engine(url)
        migrate(engine)
        started = time.perf_counter()
        campaign_load.seed_leads(engine, allowed=leads - leads // 100, blocked=leads // 100)
        engine.dispose()
        print(f"    (seeded {leads:,} leads in {time.perf_counter() - started:.1f} s)")
        if "import" in parts:
            bench_import(url, import_rows)
        if "check" in parts:
            bench_check(url, leads)
        if "next" in parts:
            bench_next_alone(url, 20 if args.quick else 200)
            bench_next(url, leads, agents, duration, args.think)
    return 0


if __name__ == "__main__":
    sys.exit(main())
