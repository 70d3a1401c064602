"""Reading the local history back: periods, wrap-up versions, callbacks, timelines."""

from datetime import timedelta
from uuid import uuid4

import pytest

from agentdesk.core.records import (
    AgentStateChange,
    Callback,
    CallbackOwner,
    CallRecord,
    Direction,
    LocalStore,
    Note,
    ReferenceChange,
    StoreError,
    WrapUp,
)

from .conftest import T0


def _call(minutes: int, customer: str | None = "cust-1") -> CallRecord:
    return CallRecord(f"c{minutes}", Direction.INBOUND, "+8613800138000",
                      T0 + timedelta(minutes=minutes), customer_id=customer)


def test_the_new_queries_are_part_of_the_port(store):
    port: LocalStore = store
    assert port.reference_fetched_at() is None


def test_calls_of_a_period_are_those_started_in_it_oldest_first(store):
    before, at_start, inside, at_end = _call(-1), _call(0), _call(30), _call(60)
    for call in (inside, at_end, before, at_start):
        store.save_call_record(call)
    assert store.call_records_between(T0, T0 + timedelta(minutes=60)) == [at_start, inside]
    assert store.call_records_between(T0 + timedelta(hours=2), T0 + timedelta(hours=3)) == []


def test_wrapups_for_calls_gives_every_version_and_only_those_calls(store):
    a, b, other = _call(0), _call(1), _call(2)
    for call in (a, b, other):
        store.save_call_record(call)
    first = WrapUp(a.id, ("resolved",), T0 + timedelta(minutes=5))
    change = WrapUp(a.id, ("complaint",), T0 + timedelta(minutes=9), supersedes_id=first.id)
    b_wrap = WrapUp(b.id, ("sale",), T0 + timedelta(minutes=7))
    for wrapup in (first, b_wrap, change):
        store.save_wrapup(wrapup)
    store.save_wrapup(WrapUp(other.id, ("x",), T0))
    assert store.wrapups_for_calls([a.id, b.id, a.id]) == [first, b_wrap, change]
    assert store.wrapups_for_calls([]) == []
    assert store.wrapups_for_calls([uuid4()]) == []


def test_wrapups_for_many_calls_are_read_in_chunks(store):
    calls = [_call(i) for i in range(1200)]
    for call in calls:
        store.save_call_record(call)
    for call in calls[::3]:
        store.save_wrapup(WrapUp(call.id, ("resolved",), call.started_at))
    found = store.wrapups_for_calls([call.id for call in calls])
    assert [w.call_record_id for w in found] == [call.id for call in calls[::3]]


def test_the_latest_wrapup_is_the_newest_not_superseded(store):
    call = _call(0)
    store.save_call_record(call)
    assert store.latest_wrapup_for_call(call.id) is None
    first = WrapUp(call.id, ("resolved",), T0 + timedelta(minutes=5))
    store.save_wrapup(first)
    assert store.latest_wrapup_for_call(call.id) == first
    # a re-opened wrap-up whose clock ran behind still replaces the one it supersedes
    change = WrapUp(call.id, ("complaint",), T0 + timedelta(minutes=4), supersedes_id=first.id)
    store.save_wrapup(change)
    assert store.latest_wrapup_for_call(call.id) == change
    again = WrapUp(call.id, ("sale",), T0 + timedelta(minutes=8), supersedes_id=change.id)
    store.save_wrapup(again)
    assert store.latest_wrapup_for_call(call.id) == again
    assert store.latest_wrapup_for_call(uuid4()) is None


def test_agent_states_overlapping_a_period_including_an_open_one(store):
    h = timedelta(hours=1)
    ended_before = AgentStateChange("ready", T0 - 2 * h, T0 - h)
    touching = AgentStateChange("not_ready", T0 - h, T0, reason_code="lunch")
    straddling = AgentStateChange("ready", T0 - timedelta(minutes=5), T0 + timedelta(minutes=5))
    inside = AgentStateChange("talking", T0 + timedelta(minutes=5), T0 + timedelta(minutes=9))
    open_now = AgentStateChange("after_call_work", T0 + timedelta(minutes=9))
    after = AgentStateChange("ready", T0 + 2 * h, T0 + 3 * h)
    for change in (after, open_now, inside, straddling, touching, ended_before):
        store.save_agent_state_change(change)
    assert store.agent_state_changes_between(T0, T0 + h) == [straddling, inside, open_now]
    assert store.agent_state_changes_between(T0 + 2 * h, T0 + 4 * h) == [open_now, after]


def _callback(due_minutes: int, owner: CallbackOwner, customer: str = "cust-1") -> Callback:
    return Callback(customer, T0 + timedelta(minutes=due_minutes), "Asia/Shanghai", owner,
                    f"due {due_minutes}", T0)


def test_callbacks_are_listed_soonest_first_with_filters(store):
    late_mine = _callback(90, CallbackOwner.ME)
    soon_team = _callback(10, CallbackOwner.TEAM)
    overdue_mine = _callback(-30, CallbackOwner.ME, "cust-2")
    anyone = _callback(45, CallbackOwner.ANYONE, "cust-2")
    for callback in (late_mine, soon_team, overdue_mine, anyone):
        store.save_callback(callback)
    assert store.list_callbacks() == [overdue_mine, soon_team, anyone, late_mine]
    assert store.list_callbacks(CallbackOwner.ME) == [overdue_mine, late_mine]
    assert store.list_callbacks([CallbackOwner.ME, CallbackOwner.TEAM]) == [
        overdue_mine, soon_team, late_mine]
    assert store.list_callbacks(due_before=T0 + timedelta(minutes=45)) == [
        overdue_mine, soon_team]
    assert store.list_callbacks(customer_id="cust-2") == [overdue_mine, anyone]
    assert store.list_callbacks(CallbackOwner.ME, due_before=T0) == [overdue_mine]


def test_a_customers_calls_and_notes_come_newest_first_and_limited(store):
    calls = [_call(i) for i in range(5)]
    for call in [*calls, _call(9, "cust-2"), _call(10, None)]:
        store.save_call_record(call)
    assert store.customer_history("cust-1", limit=3) == calls[:1:-1]
    assert store.customer_history("nobody", limit=3) == []
    notes = [Note("cust-1", f"note {i}", T0 + timedelta(hours=i), calls[i].id) for i in range(3)]
    for note in [notes[1], notes[2], notes[0], Note("cust-2", "other", T0)]:
        store.save_note(note)
    assert store.notes_for_customer("cust-1", limit=10) == notes[::-1]
    assert store.notes_for_customer("cust-1", limit=1) == [notes[2]]


def test_reference_fetched_at_is_stamped_by_each_applied_page(data_dir, store):
    from agentdesk.store import open_store

    assert store.reference_fetched_at() is None
    store.apply_reference_changes([ReferenceChange("customer", "c1", {"name": "张伟"})], [], 1)
    first = store.reference_fetched_at()
    assert first is not None and first.tzinfo is not None
    store.apply_reference_changes([], [], 1)  # nothing new: the copy is still current now
    second = store.reference_fetched_at()
    assert second is not None and second > first
    with pytest.raises(StoreError):
        store.apply_reference_changes([ReferenceChange("script", "s", {"x": object()})], [], 2)
    assert store.reference_fetched_at() == second  # a failed page changes nothing
    store.close()
    reopened = open_store(data_dir)
    try:
        assert reopened.reference_fetched_at() == second
    finally:
        reopened.close()
