"""Wrap-up save benchmark (issue #6): prints each figure next to its budget.

Measures `SqliteStore.save_wrapup` - the durable local commit of a wrap-up with its
outbox row (WAL, synchronous=FULL, so each commit waits for an fsync) - on a database
that already holds the call record, as after a hang-up. The store is opened in
--dir (default: a temp dir; its disk decides the figure: tmpfs does not fsync, so
run it on the disk the seat's data dir lives on).

    .venv/bin/python bench/wrapup.py [--count 500] [--dir DIR]

The other wrap-up budget (form open after hang-up <= 50 ms) is the UI's, not measured here.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from agentdesk.core.records import CallRecord, Direction, WrapUp
from agentdesk.store import open_store

BUDGET_P99_MS = 20.0


def measure(data_dir: Path, count: int) -> list[float]:
    store = open_store(data_dir)
    try:
        timings = []
        for i in range(count + 20):
            now = datetime.now(UTC)
            call = CallRecord("bench", Direction.INBOUND, "+8613800138000", now, ended_at=now)
            store.save_call_record(call)
            wrapup = WrapUp(call.id, ("resolved", "sale"), now, note="客户满意" * 10)
            started = time.perf_counter()
            store.save_wrapup(wrapup)
            elapsed_ms = (time.perf_counter() - started) * 1000
            if i >= 20:  # the first saves warm the pools and caches
                timings.append(elapsed_ms)
        return timings
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        timings = sorted(measure(Path(tmp), args.count))
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)))]
    verdict = "OK" if p99 <= BUDGET_P99_MS else f"MISSES by {p99 - BUDGET_P99_MS:.1f} ms"
    print(f"durable wrap-up save ({len(timings)} saves): p50 {p50:.2f} ms, "
          f"p99 {p99:.2f} ms, max {timings[-1]:.2f} ms   budget p99 <= {BUDGET_P99_MS:.0f} ms"
          f"   {verdict}")
    return 0 if p99 <= BUDGET_P99_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
