import sqlite3
import threading
from datetime import timedelta

from agentdesk.core.records import CallRecord, Direction, Note, WrapUp
from agentdesk.store import open_store

from .conftest import T0


def test_the_sync_thread_and_the_gui_thread_write_at_once_without_errors(store):
    """BEGIN IMMEDIATE + busy_timeout: writers queue for the lock instead of failing."""
    errors: list[BaseException] = []
    saved: list[WrapUp] = []

    def agent() -> None:
        try:
            for i in range(100):
                call = CallRecord(f"c{i}", Direction.INBOUND, "1001", T0 + timedelta(seconds=i))
                store.save_call_record(call)
                wrapup = WrapUp(call.id, ("resolved",), T0)
                store.save_wrapup(wrapup)
                saved.append(wrapup)
        except BaseException as exc:
            errors.append(exc)

    def sync() -> None:
        try:
            while thread.is_alive():
                items = store.pending_outbox(7)
                store.mark_failed([i.record_id for i in items[:2]], "flaky")
                store.mark_pushed([i.record_id for i in items])
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=agent)
    pusher = threading.Thread(target=sync)
    thread.start()
    pusher.start()
    thread.join(60)
    pusher.join(60)
    assert errors == []
    assert len(saved) == 100
    assert all(store.get_wrapup(w.id) == w for w in saved)
    store.mark_pushed([i.record_id for i in store.pending_outbox(1000)])
    assert store.pending_count() == 0


def test_two_stores_on_one_file_see_each_others_records(data_dir, store):
    other = open_store(data_dir)  # e.g. a second window or a tool on the same seat
    try:
        store.save_note(Note("c", "from one", T0))
        other.save_note(Note("c", "from the other", T0))
        assert store.pending_count() == other.pending_count() == 2
    finally:
        other.close()


def test_the_pending_scan_uses_its_index(store):
    conn = sqlite3.connect(store.path)
    try:
        plan = " ".join(str(row) for row in conn.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM outbox WHERE pushed_at IS NULL "
            "ORDER BY seq LIMIT 100"))
    finally:
        conn.close()
    assert "ix_outbox_pending" in plan
    assert "TEMP B-TREE" not in plan  # no sort step: the index gives creation order
