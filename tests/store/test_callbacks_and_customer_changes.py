"""Callbacks that are kept or cancelled, callbacks for unknown callers, and customer
changes made on the desktop: each saved with its outbox row, applied locally at once."""

import sqlite3
from datetime import timedelta

import pytest

from agentdesk.core.records import (
    Callback,
    CallbackOwner,
    CallbackState,
    CallbackUpdate,
    CustomerChange,
    RecordKind,
    ReferenceChange,
    StoreError,
    payload_of,
)
from agentdesk.store import DB_FILENAME, open_store
from agentdesk.store.database import create_store_engine, migrate

from .conftest import T0


def _callback(customer_id: str | None = "cust-1", number: str | None = None,
              hours: int = 2) -> Callback:
    return Callback(customer_id, T0 + timedelta(hours=hours), "Asia/Shanghai",
                    CallbackOwner.ME, "call about the refund", T0, callback_number=number)


def test_a_closed_callback_leaves_the_open_list_and_its_update_is_queued(store):
    kept, other = _callback(hours=1), _callback(hours=2)
    store.save_callback(kept)
    store.save_callback(other)
    update = CallbackUpdate(kept.id, CallbackState.DONE, T0 + timedelta(hours=1), "called")
    store.save_callback_update(update)

    assert [c.id for c in store.list_callbacks()] == [other.id]
    assert [c.id for c in store.list_callbacks(include_closed=True)] == [kept.id, other.id]
    assert store.callback_state(kept.id) is CallbackState.DONE
    assert store.callback_state(other.id) is CallbackState.OPEN
    assert store.callback_state(update.id) is None
    queued = [item for item in store.pending_outbox(10) if item.record_id == update.id]
    assert [(i.kind, i.payload) for i in queued] == [
        (RecordKind.CALLBACK_UPDATE, payload_of(update))]
    assert queued[0].payload["status"] == "done"
    assert store.pending_count(RecordKind.CALLBACK_UPDATE) == 1


def test_closing_an_unknown_or_closed_callback_is_refused_and_queues_nothing(store):
    callback = _callback()
    store.save_callback(callback)
    store.save_callback_update(CallbackUpdate(callback.id, CallbackState.CANCELLED, T0))
    before = store.pending_count()
    with pytest.raises(StoreError, match="already cancelled"):
        store.save_callback_update(CallbackUpdate(callback.id, CallbackState.DONE, T0))
    with pytest.raises(StoreError, match="no callback"):
        store.save_callback_update(CallbackUpdate(_callback().id, CallbackState.DONE, T0))
    assert store.pending_count() == before


def test_an_unknown_caller_gets_a_callback_by_number(store):
    callback = _callback(customer_id=None, number="+8613600136000")
    store.save_callback(callback)
    [back] = store.list_callbacks()
    assert (back.customer_id, back.callback_number) == (None, "+8613600136000")
    assert payload_of(back) == payload_of(callback)


def test_a_created_customer_is_in_the_local_copy_at_once_and_queued(store):
    change = CustomerChange("C-NEW-1", {"first_name": "Mei", "last_name": "Han",
                                        "phone": "+8613600136000",
                                        "extra": {"native_name": "韩梅"}}, T0, created=True)
    store.save_customer_change(change)
    doc = store.get_reference("customer", "C-NEW-1")
    assert doc is not None
    assert (doc["first_name"], doc["last_name"], doc["phone"]) == ("Mei", "Han", "+8613600136000")
    assert doc["extra"] == {"native_name": "韩梅"}
    assert [c.key for c in store.find_customers_by_phone("+8613600136000")] == ["C-NEW-1"]
    [item] = store.pending_outbox(10)
    assert (item.kind, item.payload["created"]) == (RecordKind.CUSTOMER_CHANGE, True)


def test_an_edit_replaces_named_columns_and_merges_extra(store):
    store.apply_reference_changes([ReferenceChange("customer", "C-1", {
        "customer_id": "C-1", "first_name": "Lei", "last_name": "Li",
        "phone": "+8613800138000", "email": None,
        "extra": {"tier": "gold", "city": "Beijing"}})], [], cursor=5)
    store.save_customer_change(CustomerChange(
        "C-1", {"phone": "+8613800138999", "email": "li.lei@example.cn",
                "extra": {"city": "Shanghai"}}, T0))
    doc = store.get_reference("customer", "C-1")
    assert doc is not None
    assert doc["phone"] == "+8613800138999" and doc["email"] == "li.lei@example.cn"
    assert doc["extra"] == {"tier": "gold", "city": "Shanghai"}
    assert doc["first_name"] == "Lei"
    assert store.find_customers_by_phone("+8613800138000") == []
    assert [c.key for c in store.find_customers_by_phone("+8613800138999")] == ["C-1"]


def test_an_edit_of_a_customer_not_copied_here_only_waits_for_the_push(store):
    store.save_customer_change(CustomerChange("C-9", {"email": "x@example.com"}, T0))
    assert store.get_reference("customer", "C-9") is None
    assert store.pending_count(RecordKind.CUSTOMER_CHANGE) == 1


def test_a_0003_database_keeps_its_callbacks_open_after_the_upgrade(data_dir):
    data_dir.mkdir()
    path = data_dir / DB_FILENAME
    engine = create_store_engine(path, "NORMAL")
    migrate(engine, "0003")
    engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(
            "INSERT INTO callbacks (id, customer_id, due_at, customer_timezone, owner, note, "
            "created_at) VALUES (?, 'cust-7', '2026-01-01T08:00:00.000000+00:00', "
            "'Asia/Shanghai', 'me', 'old promise', '2026-01-01T07:00:00.000000+00:00')",
            ("0123456789abcdef0123456789abcdef",))
    conn.close()
    store = open_store(data_dir)
    try:
        [old] = store.list_callbacks()
        assert (old.customer_id, old.callback_number, old.note) == ("cust-7", None, "old promise")
        assert store.callback_state(old.id) is CallbackState.OPEN
        store.save_callback(_callback(customer_id=None, number="+8613600136000"))
        assert len(store.list_callbacks()) == 2
    finally:
        store.close()
