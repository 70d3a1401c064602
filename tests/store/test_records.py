import sqlite3
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine, event

from agentdesk.core.records import (
    AccessEntry,
    AccessReason,
    AgentStateChange,
    Callback,
    CallbackOwner,
    CallRecord,
    Direction,
    LocalStore,
    Note,
    ObjectionUse,
    RecordKind,
    StoreError,
    WrapUp,
    WrapUpDraft,
    payload_of,
)
from agentdesk.store import DB_FILENAME, SqliteStore

from .conftest import T0


def _call() -> CallRecord:
    return CallRecord("sip-call-1@host", Direction.INBOUND, "+8613800138000", T0,
                      connected_at=T0 + timedelta(seconds=3), ended_at=T0 + timedelta(minutes=2),
                      sip_end_code=200, customer_id="cust-1", script_id="greeting",
                      script_version=4, script_path=("start", "verify", "resolve"))


def _scripted_call() -> CallRecord:
    return CallRecord(
        "sip-call-2@host", Direction.OUTBOUND, "+8613800138000", T0, ended_at=T0 + timedelta(
            minutes=4), queue="sales", dialed_number="+861065529988", campaign_id="winter",
        hold_seconds=31.25,
        script_objections=(ObjectionUse("price", "value", "offer", T0 + timedelta(seconds=40)),
                           ObjectionUse("spouse", None, "close", T0 + timedelta(minutes=2))),
        script_captured={"budget": 300, "plan": "家庭套餐", "agreed": True, "extras": ["tv"],
                         "address": {"city": "北京"}, "note": None, "ratio": 0.25})


def _count(store: SqliteStore, query: str) -> int:
    conn = sqlite3.connect(store.path)
    try:
        return int(conn.execute(query).fetchone()[0])
    finally:
        conn.close()


def test_sqlite_store_is_a_local_store(store):
    port: LocalStore = store
    assert port.pending_count() == 0


def test_call_record_and_wrapup_round_trip(store):
    call = _call()
    store.save_call_record(call)
    wrapup = WrapUp(call.id, ("sale", "callback"), T0 + timedelta(minutes=3), note="客户要求回电",
                    amount=Decimal("199.90"), callback_at=T0 + timedelta(days=1))
    store.save_wrapup(wrapup)
    assert store.get_call_record(call.id) == call
    assert store.get_wrapup(wrapup.id) == wrapup
    assert store.get_wrapup(call.id) is None


def test_routing_hold_and_script_outcome_round_trip(store):
    call = _scripted_call()
    store.save_call_record(call)
    assert store.get_call_record(call.id) == call
    [item] = store.pending_outbox(10)
    assert item.payload == payload_of(call)


def _one_of_each(call: CallRecord) -> list[tuple[str, object]]:
    return [
        ("save_agent_state_change", AgentStateChange("not_ready", T0, reason_code="lunch")),
        ("save_note", Note("cust-1", "prefers mornings", T0, call_record_id=call.id)),
        ("save_callback", Callback("cust-1", T0 + timedelta(days=1), "Asia/Shanghai",
                                   CallbackOwner.ME, "send the quote", T0, call.id)),
        ("save_access_entry", AccessEntry("cust-1", AccessReason.POP, T0, call.id)),
        ("save_wrapup", WrapUp(call.id, ("resolved",), T0)),
    ]


def test_every_saved_record_has_exactly_one_outbox_row_with_its_payload(store):
    call = _call()
    store.save_call_record(call)
    records: list[object] = [call]
    for method, record in _one_of_each(call):
        getattr(store, method)(record)
        records.append(record)
    items = store.pending_outbox(100)
    assert [item.record_id for item in items] == [r.id for r in records]  # type: ignore[attr-defined]
    assert [item.payload for item in items] == [payload_of(r) for r in records]  # type: ignore[arg-type]
    assert items[0].kind is RecordKind.CALL_RECORD
    assert [item.kind for item in items[1:]] == [
        RecordKind.AGENT_STATE_CHANGE, RecordKind.NOTE, RecordKind.CALLBACK,
        RecordKind.ACCESS_ENTRY, RecordKind.WRAPUP]


def _break_the_outbox(store: SqliteStore) -> None:
    conn = sqlite3.connect(store.path)
    with conn:
        conn.execute("CREATE TRIGGER outbox_down BEFORE INSERT ON outbox "
                     "BEGIN SELECT RAISE(ABORT, 'outbox insert failed'); END")
    conn.close()


@pytest.mark.parametrize("method,table", [
    ("save_agent_state_change", "agent_state_changes"), ("save_note", "notes"),
    ("save_callback", "callbacks"), ("save_access_entry", "access_entries"),
    ("save_wrapup", "wrapups")])
def test_when_the_outbox_insert_fails_the_record_is_not_saved_either(store, method, table):
    call = _call()
    store.save_call_record(call)
    record = dict(_one_of_each(call))[method]
    _break_the_outbox(store)
    with pytest.raises(StoreError, match="outbox insert failed") as failed:
        getattr(store, method)(record)
    assert str(store.path) in str(failed.value)
    assert _count(store, f"SELECT count(*) FROM {table}") == 0
    assert store.pending_count() == 1  # the call record's, from before


def test_when_the_outbox_insert_fails_the_call_record_is_not_saved(store):
    _break_the_outbox(store)
    call = _call()
    with pytest.raises(StoreError):
        store.save_call_record(call)
    assert store.get_call_record(call.id) is None


def test_a_wrapup_for_an_unknown_call_is_refused_and_queues_nothing(store):
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.save_wrapup(WrapUp(_call().id, ("resolved",), T0))
    assert store.pending_count() == 0


def test_saving_the_same_record_twice_is_refused(store):
    call = _call()
    store.save_call_record(call)
    with pytest.raises(StoreError):
        store.save_call_record(call)
    assert store.pending_count() == 1


@pytest.fixture
def commits():
    """For each commit: the statements of its transaction and its synchronous pragma."""
    seen: list[tuple[list[str], int]] = []
    statements: dict[int, list[str]] = {}

    def on_execute(conn, _cursor, statement, *_args):
        statements.setdefault(id(conn), []).append(statement)

    def on_commit(conn):
        # read back on the committing connection, inside its transaction
        level = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        seen.append((statements.pop(id(conn), []), level))

    event.listen(Engine, "before_cursor_execute", on_execute)
    event.listen(Engine, "commit", on_commit)
    yield seen
    event.remove(Engine, "commit", on_commit)
    event.remove(Engine, "before_cursor_execute", on_execute)


FULL, NORMAL = 2, 1


def test_wrapups_commit_with_synchronous_full_and_other_records_with_normal(store, commits):
    call = _call()
    store.save_call_record(call)
    store.save_wrapup(WrapUp(call.id, ("resolved",), T0))
    store.save_note(Note("cust-1", "n", T0))

    def level_of(table: str) -> list[int]:
        return [level for stmts, level in commits
                if any(s.startswith(f"INSERT INTO {table} ") for s in stmts)]

    assert level_of("wrapups") == [FULL]
    assert level_of("call_records") == [NORMAL]
    assert level_of("notes") == [NORMAL]
    # the wrap-up's outbox row is in the FULL commit, not a separate one
    [wrapup_commit] = [stmts for stmts, level in commits if level == FULL]
    assert any(s.startswith("INSERT INTO outbox ") for s in wrapup_commit)


def test_saving_a_wrapup_drops_its_draft_in_the_same_transaction(store):
    call = _call()
    store.save_call_record(call)
    other = _call()
    store.save_call_record(other)
    store.save_draft(WrapUpDraft(call.id, {"note": "half typed"}, T0))
    store.save_draft(WrapUpDraft(other.id, {"note": "another call"}, T0))
    store.save_wrapup(WrapUp(call.id, ("resolved",), T0))
    assert [d.call_record_id for d in store.load_drafts()] == [other.id]


def test_records_survive_reopening(data_dir, store):
    from agentdesk.store import open_store

    call = _call()
    store.save_call_record(call)
    wrapup = WrapUp(call.id, ("resolved",), T0)
    store.save_wrapup(wrapup)
    store.close()
    reopened = open_store(data_dir)
    try:
        assert reopened.get_wrapup(wrapup.id) == wrapup
        assert reopened.pending_count() == 2
    finally:
        reopened.close()
    assert (data_dir / DB_FILENAME).exists()


def test_a_reopened_wrapup_is_a_new_record_that_supersedes_the_first(store):
    call = _call()
    store.save_call_record(call)
    first = WrapUp(call.id, ("resolved",), T0)
    store.save_wrapup(first)
    change = WrapUp(call.id, ("complaint",), T0 + timedelta(minutes=5), note="called back angry",
                    supersedes_id=first.id)
    store.save_wrapup(change)
    assert store.get_wrapup(first.id) == first
    assert store.get_wrapup(change.id) == change
    assert [i.kind for i in store.pending_outbox(10)][-2:] == [RecordKind.WRAPUP] * 2
    with pytest.raises(StoreError, match="FOREIGN KEY"):
        store.save_wrapup(WrapUp(call.id, ("x",), T0, supersedes_id=call.id))


def test_a_data_dir_with_url_characters_works(tmp_path):
    from agentdesk.store import open_store

    odd = open_store(tmp_path / "seat?mode=memory#1 %20")
    try:
        odd.save_note(Note("c", "t", T0))
        assert odd.path.exists()
        assert odd.pending_count() == 1
    finally:
        odd.close()


def test_calls_without_a_wrapup_are_found_for_the_restart(data_dir, store):
    from agentdesk.store import open_store

    old, wrapped, pending = (
        CallRecord(f"c{i}", Direction.INBOUND, "1001", T0 + timedelta(hours=i)) for i in range(3))
    for call in (old, wrapped, pending):
        store.save_call_record(call)
    store.save_wrapup(WrapUp(wrapped.id, ("resolved",), T0))
    store.save_draft(WrapUpDraft(pending.id, {"note": "half"}, T0))
    store.close()
    reopened = open_store(data_dir)
    try:
        assert reopened.calls_without_wrapup(since=T0 + timedelta(minutes=30)) == [pending]
        assert [d.call_record_id for d in reopened.load_drafts()] == [pending.id]
        assert reopened.calls_without_wrapup(since=T0) == [old, pending]
    finally:
        reopened.close()
