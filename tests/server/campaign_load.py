"""Many agents asking one campaign for leads at once (the PostgreSQL leasing test and
bench/campaigns.py): each agent takes the next lead, dials it and ends the attempt,
and every lead handed out is recorded, to check that none went to two agents."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, text

from agentdesk.server import campaigns
from agentdesk.server.users import Principal

CAMPAIGN = {
    "id": "load", "title": "Load", "assigned": {"teams": ["load"], "agents": []},
    "calling_hours": {"mon-sun": "00:00-24:00"}, "require_consent": True,
    "max_attempts": 3, "retry_minutes": {"busy": 30}, "default_region": "CN"}


def seed_leads(engine: Engine, allowed: int, blocked: int) -> None:
    """`allowed` callable leads and `blocked` ones without consent, in SQL (fast for a
    million): lead i has priority i % 10 and its own Beijing number."""
    from agentdesk.server.reference import put_document

    put_document(engine, "campaign", "load", dict(CAMPAIGN))
    total = allowed + blocked
    series = ("generate_series(1, :n)" if engine.dialect.name == "postgresql" else
              "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n)"
              " SELECT i FROM s)")
    with engine.begin() as conn:
        conn.execute(text(f"""
            INSERT INTO campaign_leads (campaign_id, lead_id, phone, number_zones, consent,
                priority, queue_rank, extra, state, attempts, imported_at, updated_at)
            SELECT 'load', 'L' || i, '+86139' || substr('00000000' || i, -8, 8),
                   'Asia/Shanghai', i > :blocked, i % 10, -(i % 10), '{{}}', 'new', 0,
                   CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM {series} AS g(i)""".replace("substr('00000000' || i, -8, 8)",
                                             "lpad(i::text, 8, '0')")
                          if engine.dialect.name == "postgresql" else f"""
            INSERT INTO campaign_leads (campaign_id, lead_id, phone, number_zones, consent,
                priority, queue_rank, extra, state, attempts, imported_at, updated_at)
            SELECT 'load', 'L' || i, '+86139' || substr('00000000' || i, -8, 8),
                   'Asia/Shanghai', i > :blocked, i % 10, -(i % 10), '{{}}', 'new', 0,
                   CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
            FROM {series}"""), {"n": total, "blocked": blocked})
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE campaign_leads"))


@dataclass
class LoadResult:
    given: list[tuple[str, str]] = field(default_factory=list)  # (lead_id, agent)
    latencies: list[float] = field(default_factory=list)  # next lead, seconds
    errors: list[str] = field(default_factory=list)
    calls: int = 0
    elapsed: float = 0.0

    def doubles(self) -> list[str]:
        return [lead for lead, n in Counter(lead for lead, _ in self.given).items() if n > 1]

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def run_agents(engine: Engine, agents: int, duration: float, think: float = 0.0,
               until_empty: bool = False) -> LoadResult:
    """`agents` threads for `duration` s (or until no lead is left, when until_empty);
    with `think`, each agent starts at a random moment within its first call."""
    result = LoadResult()
    lock = threading.Lock()
    start_gate = threading.Barrier(agents)
    stop_at: list[float] = []

    def agent(n: int) -> None:
        who = Principal(id=n, username=f"agent{n}", role="agent", team="load")
        start_gate.wait()
        if not stop_at:
            stop_at.append(time.monotonic() + duration)
        if think:  # agents' calls end at random times, not all in the same instant
            time.sleep(random.Random(n).uniform(0, think))
        empty_since: float | None = None
        while time.monotonic() < stop_at[0]:
            try:
                t0 = time.perf_counter()
                got: dict[str, Any] = campaigns.next_lead(engine, "load", who)
                spent = time.perf_counter() - t0
                lead = got["lead"]
                with lock:
                    result.latencies.append(spent)
                    result.calls += 1
                    if lead is not None and got["kind"] != "lease":
                        result.given.append((lead["lead_id"], who.username))
                if lead is None:
                    if until_empty:
                        empty_since = empty_since or time.monotonic()
                        if time.monotonic() - empty_since > 1.0:
                            return
                    time.sleep(0.05)
                    continue
                empty_since = None
                attempt = campaigns.dial(engine, "load", lead["lead_id"], who)
                campaigns.record_outcome(engine, attempt["attempt_id"], "connected", who)
                if think:
                    time.sleep(think)
            except Exception as exc:  # reported, not hidden: the test asserts none
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                time.sleep(0.05)

    threads = [threading.Thread(target=agent, args=(n,), daemon=True) for n in range(agents)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.elapsed = time.monotonic() - began
    return result
