"""SIGKILL a process that is saving wrap-ups, again and again: nothing it reported
saved is lost, nothing is duplicated, no record is without its outbox row, and each
restart finishes the interrupted call from its restored draft - exactly once.

This kills the process, not the machine: it proves the transaction boundaries and
crash recovery of the WAL, not the disk's fsync (synchronous=FULL, tested apart).
"""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from uuid import UUID

import pytest

from agentdesk.store import DB_FILENAME, open_store
from tests.store.wrapup_writer import NO_DRAFT, RECOVERED

WRITER = Path(__file__).with_name("wrapup_writer.py")
KILLS = 10
WRAPUPS = 200


def _run_until_killed(data_dir: Path, lines_before_kill: int, rng: random.Random) -> list[str]:
    child = subprocess.Popen([sys.executable, str(WRITER), str(data_dir)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stderr is not None
    reported = []
    try:
        while len(reported) < lines_before_kill:
            line = child.stdout.readline()
            if not line:
                pytest.fail(f"the writer died by itself: {child.stderr.read()}")
            reported.append(line)
        time.sleep(rng.uniform(0, 0.02))  # land anywhere in the next save
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    reported.extend(child.stdout.readlines())
    child.stdout.close()
    child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    return [line for line in reported if line.endswith("\n")]  # a torn last line was not read


def _table(path: Path, query: str) -> list[tuple[str, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(query).fetchall()
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.durability
def test_wrapups_survive_sigkill_exactly_once(tmp_path):
    data_dir = tmp_path / "data"
    rng = random.Random(20261122)
    committed: dict[UUID, UUID] = {}
    started = time.monotonic()
    for kill in range(KILLS):
        remaining = WRAPUPS - len(committed)
        batch = remaining if kill == KILLS - 1 else rng.randint(5, 2 * remaining // (KILLS - kill))
        for line in _run_until_killed(data_dir, max(batch, 1), rng):
            wrapup_id, call_id = (UUID(part) for part in line.split())
            assert wrapup_id not in committed
            committed[wrapup_id] = call_id

        store = open_store(data_dir)  # the restart: recovery, migration check
        try:
            for wrapup_id, call_id in committed.items():
                wrapup = store.get_wrapup(wrapup_id)
                assert wrapup is not None, f"wrap-up {wrapup_id} reported saved but lost"
                assert wrapup.call_record_id == call_id
                assert store.get_call_record(call_id) is not None
        finally:
            store.close()

        path = data_dir / DB_FILENAME
        assert _table(path, "SELECT record_id, count(*) FROM outbox GROUP BY record_id "
                            "HAVING count(*) > 1") == []
        # every record row has its outbox row and every outbox row its record
        for table, kind in (("wrapups", "wrapup"), ("call_records", "call_record")):
            assert _table(path, f"SELECT id FROM {table} EXCEPT SELECT record_id FROM outbox "
                                f"WHERE kind = '{kind}'") == []
            assert _table(path, f"SELECT record_id FROM outbox WHERE kind = '{kind}' "
                                f"EXCEPT SELECT id FROM {table}") == []
        saved = {UUID(hex=row[0]) for row in _table(path, "SELECT id FROM wrapups")}
        assert set(committed) <= saved
        # at most one wrap-up per kill was saved after its last report
        assert len(saved) - len(committed) <= kill + 1
        _assert_one_wrapup_per_call_and_no_stale_draft(path, unfinished_allowed=1)

    # the last restart: recovery only, then a clean exit
    finished = subprocess.run([sys.executable, str(WRITER), str(data_dir), "--recover-only"],
                              capture_output=True, text=True, timeout=30, check=True)
    for line in finished.stdout.splitlines():
        wrapup_id, call_id = (UUID(part) for part in line.split())
        committed[wrapup_id] = call_id
    path = data_dir / DB_FILENAME
    _assert_one_wrapup_per_call_and_no_stale_draft(path, unfinished_allowed=0)
    assert _table(path, "SELECT count(*) FROM wrapup_drafts") == [(0,)]
    # a wrap-up finished from a draft carries what was typed into that call's draft
    for call_id, note in _table(path, "SELECT call_record_id, note FROM wrapups "
                                      f"WHERE codes = '[\"{RECOVERED}\"]'"):
        assert note == f"typing for {UUID(hex=call_id)}"
    recovered = _table(path, "SELECT count(*) FROM wrapups WHERE codes IN "
                             f"('[\"{RECOVERED}\"]', '[\"{NO_DRAFT}\"]')")[0][0]
    saved_total = _table(path, "SELECT count(*) FROM wrapups")[0][0]

    print(f"{len(committed)} reported, {saved_total} saved ({recovered} finished after a "
          f"restart), {KILLS} kills, {time.monotonic() - started:.1f} s")
    assert len(committed) >= WRAPUPS


def _assert_one_wrapup_per_call_and_no_stale_draft(path: Path, unfinished_allowed: int) -> None:
    # a restart must never finish a call whose wrap-up was saved: that is the duplicate
    assert _table(path, "SELECT call_record_id FROM wrapups GROUP BY call_record_id "
                        "HAVING count(*) > 1") == []
    # a saved wrap-up took its draft with it in the same transaction
    assert _table(path, "SELECT d.call_record_id FROM wrapup_drafts d "
                        "JOIN wrapups w ON w.call_record_id = d.call_record_id") == []
    # only the call in flight at the kill may still wait for its wrap-up
    unfinished = _table(path, "SELECT id FROM call_records "
                              "EXCEPT SELECT call_record_id FROM wrapups")
    assert len(unfinished) <= unfinished_allowed
