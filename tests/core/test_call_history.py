"""Each ended call becomes one CallRecord (with its outbox row) in the local store."""

from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.call_history import CallContext, CallHistory
from agentdesk.core.call_service import CallService
from agentdesk.core.records import Direction, ObjectionUse, StoreError
from agentdesk.core.settings import PhoneSettings
from agentdesk.store import open_store
from tests.fakes.softphone import FakeSoftphone


class SteppingClock:
    def __init__(self):
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(seconds=10)
        return self.now


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path)
    yield store
    store.close()


def wire(store, saved):
    phone = FakeSoftphone(registrar=False)
    phone.start()
    service = CallService(phone, PhoneSettings(), lambda delay, fn: (lambda: None))
    history = CallHistory(store, on_saved=lambda: saved.append(1), now=SteppingClock())
    service.subscribe(history.on_phone_event)
    return phone, service


def test_answered_inbound_call_is_recorded_with_its_times_and_customer(store):
    saved = []
    phone, service = wire(store, saved)
    call_id = phone.incoming_call(headers={"X-Customer-Id": "C-1001"})
    service.answer(call_id)
    phone.remote_hangup(call_id)
    assert saved == [1]
    [item] = store.pending_outbox(10)
    assert item.kind.value == "call_record"
    record = store.get_call_record(item.record_id)
    assert record.direction is Direction.INBOUND
    assert record.customer_id == "C-1001"
    assert record.started_at < record.connected_at < record.ended_at
    assert record.sip_end_code == 200


def test_unanswered_outbound_call_is_recorded_too(store):
    saved = []
    phone, service = wire(store, saved)
    call_id = service.dial("1002")
    phone.remote_reject(call_id, 486)
    [item] = store.pending_outbox(10)
    record = store.get_call_record(item.record_id)
    assert record.direction is Direction.OUTBOUND
    assert record.connected_at is None and record.sip_end_code == 486


def test_a_store_failure_is_logged_and_the_phone_goes_on(store, caplog):
    class BrokenStore:
        def save_call_record(self, record):
            raise StoreError("disk full: agentdesk.sqlite3")

    saved = []
    phone, service = wire(BrokenStore(), saved)
    call_id = phone.incoming_call()
    phone.remote_hangup(call_id)
    assert saved == []
    assert "could not save the record" in caplog.text
    assert service.lines == []


def test_the_write_happens_where_run_puts_it_not_on_the_event_thread(store):
    jobs = []
    phone = FakeSoftphone(registrar=False)
    phone.start()
    service = CallService(phone, PhoneSettings(), lambda delay, fn: (lambda: None))
    history = CallHistory(store, run=jobs.append)
    service.subscribe(history.on_phone_event)
    phone.remote_hangup(phone.incoming_call())
    assert store.pending_count() == 0 and len(jobs) == 1
    jobs.pop()()
    assert store.pending_count() == 1


def wire_with(store, **history_options):
    phone = FakeSoftphone(registrar=False)
    phone.start()
    service = CallService(phone, PhoneSettings(), lambda delay, fn: (lambda: None))
    history = CallHistory(store, now=SteppingClock(), **history_options)
    service.subscribe(history.on_phone_event)
    return phone, service


def only_record(store):
    [item] = store.pending_outbox(10)
    return store.get_call_record(item.record_id)


def test_hold_intervals_add_up_including_one_still_open_at_hang_up(store):
    phone, service = wire_with(store)
    call_id = phone.incoming_call()
    service.answer(call_id)          # clock: incoming 09:00:10, connected 09:00:20
    service.toggle_hold(call_id)     # held at :30
    service.toggle_hold(call_id)     # resumed at :40 -> 10 s
    service.toggle_hold(call_id)     # held at :50
    phone.remote_hangup(call_id)     # ended at 09:01:00 -> 10 s more
    record = only_record(store)
    assert record.hold_seconds == 20.0
    assert record.ended_at - record.started_at == timedelta(seconds=50)


def test_a_call_never_held_has_no_hold_time(store):
    phone, service = wire_with(store)
    call_id = phone.incoming_call()
    service.answer(call_id)
    phone.remote_hangup(call_id)
    assert only_record(store).hold_seconds == 0.0


def test_the_call_context_fills_routing_and_script_outcome_at_hang_up(store):
    asked = []
    at = datetime(2026, 11, 22, 9, 0, 30, tzinfo=UTC)

    def context(call_id):
        asked.append(call_id)
        return CallContext(customer_id="C-2002", queue="service", dialed_number="+861065529988",
                           campaign_id=None, script_id="service", script_version=3,
                           script_path=("greet", "verify", "end_ok"),
                           script_objections=(ObjectionUse("price", "value", "verify", at),),
                           script_captured={"order": "A-17", "amount": 12.5})

    phone, service = wire_with(store, call_context=context)
    call_id = phone.incoming_call(headers={"X-Customer-Id": "C-1001"})
    service.answer(call_id)
    assert asked == []  # asked once, at hang-up, when the script is over
    phone.remote_hangup(call_id)
    assert asked == [call_id]
    record = only_record(store)
    assert record.customer_id == "C-2002"  # the agent's choice beats the IVR header
    assert (record.queue, record.dialed_number, record.campaign_id) == (
        "service", "+861065529988", None)
    assert (record.script_id, record.script_version) == ("service", 3)
    assert record.script_path == ("greet", "verify", "end_ok")
    assert record.script_objections == (ObjectionUse("price", "value", "verify", at),)
    assert record.script_captured == {"order": "A-17", "amount": 12.5}


def test_without_context_the_header_customer_stays(store):
    phone, _service = wire_with(store, call_context=lambda call_id: None)
    call_id = phone.incoming_call(headers={"X-Customer-Id": "C-1001"})
    phone.remote_hangup(call_id)
    record = only_record(store)
    assert record.customer_id == "C-1001" and record.queue is None


def test_a_failing_or_unrecordable_context_never_loses_the_call(store, caplog):
    def broken(call_id):
        raise RuntimeError("script panel gone")

    phone, _service = wire_with(store, call_context=broken)
    phone.remote_hangup(phone.incoming_call(headers={"X-Customer-Id": "C-1"}))
    assert only_record(store).customer_id == "C-1"
    assert "call context provider failed" in caplog.text

    items_before = store.pending_count()
    phone, _service = wire_with(store, call_context=lambda call_id: CallContext(
        queue="q1", script_id="s", script_captured={"when": object()}))
    phone.remote_hangup(phone.incoming_call())
    assert store.pending_count() == items_before + 1
    newest = store.get_call_record(store.pending_outbox(10)[-1].record_id)
    assert newest.queue == "q1" and newest.script_id is None and newest.script_captured == {}
    assert "not recordable" in caplog.text


def test_on_recorded_gets_the_record_before_the_writer_runs(store):
    jobs, recorded = [], []
    phone, _service = wire_with(store, run=jobs.append, on_recorded=recorded.append)
    phone.remote_hangup(phone.incoming_call())
    assert len(recorded) == 1 and store.pending_count() == 0
    jobs.pop()()
    assert store.get_call_record(recorded[0].id) == recorded[0]
