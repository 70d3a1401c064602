"""Each ended call becomes one CallRecord (with its outbox row) in the local store."""

from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.call_history import CallHistory
from agentdesk.core.call_service import CallService
from agentdesk.core.records import Direction, StoreError
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
