"""The fake keeps the port's contract, so tests built on it mean something."""

import pytest

from agentdesk.core.phone_events import (
    CallHoldChanged,
    CallState,
    CallStateChanged,
    IncomingCall,
    OutgoingCallStarted,
    RecordingChanged,
    TransferProgress,
)
from agentdesk.core.softphone import PhoneActionError, Softphone
from tests.fakes.softphone import FakeSoftphone


def test_it_implements_the_softphone_port():
    assert isinstance(FakeSoftphone(), Softphone)


def test_an_outbound_call_reports_started_dialing_early_then_connected():
    phone = FakeSoftphone()
    call_id = phone.dial("+861065529988")
    phone.remote_ringing(call_id)
    phone.remote_answer(call_id)
    kinds = [(type(e).__name__, getattr(e, "state", None)) for e in phone.events]
    assert kinds == [
        ("OutgoingCallStarted", None),
        ("CallStateChanged", CallState.DIALING),
        ("CallStateChanged", CallState.EARLY),
        ("CallStateChanged", CallState.CONNECTING),
        ("CallStateChanged", CallState.CONNECTED),
    ]
    assert isinstance(phone.events[0], OutgoingCallStarted)
    assert phone.events[-1].connected_at is not None


def test_an_inbound_call_carries_its_headers():
    phone = FakeSoftphone()
    call_id = phone.incoming_call("+8613800138000", "Li Lei", {"X-Customer-Id": "C-42"})
    event = phone.events[0]
    assert isinstance(event, IncomingCall) and event.call_id == call_id
    assert event.headers.get("x-customer-id") == "C-42"


def test_refused_actions_raise_phone_action_error():
    phone = FakeSoftphone()
    call_id = phone.incoming_call()
    with pytest.raises(PhoneActionError):
        phone.hold(call_id)  # still ringing
    phone.reject(call_id)
    with pytest.raises(PhoneActionError):
        phone.answer(call_id)  # gone
    with pytest.raises(PhoneActionError):
        phone.send_dtmf("nope", "1")


def test_hanging_up_a_recorded_call_closes_the_recording_first():
    phone = FakeSoftphone()
    call_id = phone.incoming_call()
    phone.answer(call_id)
    phone.start_recording(call_id, "/tmp/x.wav")
    phone.hold(call_id)
    phone.hangup(call_id)
    tail = phone.events[-4:]
    assert isinstance(tail[0], RecordingChanged) and tail[0].recording
    assert isinstance(tail[1], CallHoldChanged)
    assert isinstance(tail[2], RecordingChanged) and not tail[2].recording
    assert isinstance(tail[3], CallStateChanged) and tail[3].state is CallState.DISCONNECTED


def test_a_successful_attended_transfer_drops_the_consult_leg():
    phone = FakeSoftphone()
    original = phone.incoming_call()
    phone.answer(original)
    phone.hold(original)
    consult = phone.dial("2002")
    phone.remote_answer(consult)
    phone.attended_transfer(original, consult)
    phone.transfer_result(original, 200)
    assert isinstance(phone.events[-2], TransferProgress) and phone.events[-2].succeeded
    assert phone.calls[consult].state is CallState.DISCONNECTED


def test_deferred_events_wait_for_poll():
    phone = FakeSoftphone(deferred=True)
    seen = []
    phone.subscribe(seen.append)
    phone.incoming_call()
    assert seen == []
    phone.poll()
    assert len(seen) == 1
