from datetime import timedelta
from uuid import uuid4

import pytest

from agentdesk.core.records import (
    AgentStateChange,
    Note,
    ReferenceChange,
    StoreError,
    Tombstone,
    WrapUpDraft,
)
from agentdesk.store import open_store

from .conftest import T0

# --- outbox --------------------------------------------------------------------------


def _notes(store, n: int) -> list[Note]:
    notes = [Note("cust-1", f"note {i}", T0 + timedelta(seconds=i)) for i in range(n)]
    for note in notes:
        store.save_note(note)
    return notes


def test_pending_items_come_oldest_first_in_pages(store):
    notes = _notes(store, 5)
    first = store.pending_outbox(3)
    assert [item.record_id for item in first] == [n.id for n in notes[:3]]
    assert [item.seq for item in first] == sorted(item.seq for item in first)
    assert first[0].created_at < first[1].created_at
    assert store.pending_count() == 5


def test_marking_pushed_removes_items_from_pending_but_keeps_them(store):
    notes = _notes(store, 4)
    store.mark_pushed([notes[0].id, notes[2].id])
    assert [item.record_id for item in store.pending_outbox(10)] == [notes[1].id, notes[3].id]
    assert store.pending_count() == 2
    store.mark_pushed([notes[0].id, uuid4()])  # a replayed or unknown ack changes nothing
    assert store.pending_count() == 2


def test_failed_pushes_count_attempts_and_keep_the_last_error(store):
    [a, b] = _notes(store, 2)
    store.mark_failed([a.id], "connection refused")
    store.mark_failed([a.id], "HTTP 503")
    items = {item.record_id: item for item in store.pending_outbox(10)}
    assert (items[a.id].attempts, items[a.id].last_error) == (2, "HTTP 503")
    assert (items[b.id].attempts, items[b.id].last_error) == (0, None)
    store.mark_pushed([a.id])
    store.mark_failed([a.id], "too late")  # a pushed item is not failed afterwards
    assert [item.record_id for item in store.pending_outbox(10)] == [b.id]


def test_the_outbox_survives_a_restart(data_dir, store):
    notes = _notes(store, 3)
    store.mark_pushed([notes[0].id])
    store.close()
    reopened = open_store(data_dir)
    try:
        assert [i.record_id for i in reopened.pending_outbox(10)] == [n.id for n in notes[1:]]
        reopened.save_agent_state_change(AgentStateChange("ready", T0))
        assert reopened.pending_count() == 3
    finally:
        reopened.close()


# --- reference data ------------------------------------------------------------------

ZHANG = {"customer_id": "c1", "name": "张伟", "phones": ["+8613800138000", "+861058001234"]}
LI = {"customer_id": "c2", "name": "李娜", "phone": "+8613800138000"}


def test_reference_pages_apply_changes_tombstones_and_the_cursor(store):
    assert store.reference_cursor() is None
    store.apply_reference_changes(
        [ReferenceChange("customer", "c1", ZHANG), ReferenceChange("customer", "c2", LI),
         ReferenceChange("wrapup_code_set", "inbound", {"codes": ["resolved", "complaint"]}),
         ReferenceChange("not_ready_reason", "lunch", {"label": "午餐"})],
        [], cursor=42)
    assert store.reference_cursor() == 42
    assert store.get_reference("customer", "c1") == ZHANG
    assert store.get_reference("wrapup_code_set", "inbound") == {
        "codes": ["resolved", "complaint"]}
    # two customers share a number: both come back, the screen pop asks the agent
    assert [c.key for c in store.find_customers_by_phone("+8613800138000")] == ["c1", "c2"]

    moved = {**ZHANG, "phones": ["+861058001234"]}
    store.apply_reference_changes(
        [ReferenceChange("customer", "c1", moved),
         ReferenceChange("wrapup_code_set", "inbound", {"codes": ["resolved"]})],
        [Tombstone("customer", "c2"), Tombstone("not_ready_reason", "lunch"),
         Tombstone("script", "never-had-it")],
        cursor=57)
    assert store.reference_cursor() == 57
    assert store.find_customers_by_phone("+8613800138000") == []
    assert [c.doc for c in store.find_customers_by_phone("+861058001234")] == [moved]
    assert store.get_reference("customer", "c2") is None
    assert store.get_reference("not_ready_reason", "lunch") is None
    assert [r.key for r in store.list_reference("wrapup_code_set")] == ["inbound"]
    assert [r.key for r in store.list_reference("customer")] == ["c1"]


def test_a_page_that_fails_leaves_no_trace_not_even_its_cursor(store):
    store.apply_reference_changes([ReferenceChange("customer", "c1", ZHANG)], [], cursor=1)
    bad_doc = {"not json": object()}
    with pytest.raises(StoreError, match="not JSON serializable"):
        store.apply_reference_changes(
            [ReferenceChange("customer", "c2", LI), ReferenceChange("script", "s", bad_doc)],
            [Tombstone("customer", "c1")], cursor=2)
    assert store.reference_cursor() == 1
    assert store.get_reference("customer", "c1") == ZHANG
    assert store.get_reference("customer", "c2") is None


# --- drafts --------------------------------------------------------------------------


def test_a_draft_is_upserted_by_call_and_restored_after_restart(data_dir, store):
    call_id = uuid4()
    store.save_draft(WrapUpDraft(call_id, {"codes": ["sale"]}, T0))
    store.save_draft(WrapUpDraft(call_id, {"codes": ["sale"], "note": "送货地址: 北京"},
                                 T0 + timedelta(seconds=2)))
    store.close()
    reopened = open_store(data_dir)
    try:
        [draft] = reopened.load_drafts()
        assert draft == WrapUpDraft(call_id, {"codes": ["sale"], "note": "送货地址: 北京"},
                                    T0 + timedelta(seconds=2))
        reopened.discard_draft(call_id)
        assert reopened.load_drafts() == []
        assert reopened.pending_count() == 0  # drafts are not records: nothing to sync
    finally:
        reopened.close()


def test_pushed_items_are_pruned_only_when_asked_and_only_once_pushed(store):
    notes = _notes(store, 3)
    store.mark_pushed([notes[0].id, notes[1].id])  # stamped by the store's clock
    pushed_at = store._clock()
    assert store.prune_pushed(pushed_before=T0) == 0
    assert store.prune_pushed(pushed_before=pushed_at) == 2
    assert [item.record_id for item in store.pending_outbox(10)] == [notes[2].id]
    assert store.pending_count() == 1
