"""CallService policies over a fake phone: lines, call waiting, auto-answer, transfers."""

from pathlib import Path

import pytest

from agentdesk.core.call_service import CallService
from agentdesk.core.dial_numbers import InvalidNumberError
from agentdesk.core.phone_events import CallState, DtmfMethod, IncomingCall
from agentdesk.core.settings import PhoneSettings
from agentdesk.core.softphone import PhoneActionError
from tests.fakes.softphone import FakeSoftphone


class ManualScheduler:
    """schedule(delay, fn) that runs only when the test advances time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.pending: list[tuple[float, object]] = []

    def __call__(self, delay_s, fn):
        entry = (self.now + delay_s, fn)
        self.pending.append(entry)
        return lambda: self.pending.remove(entry) if entry in self.pending else None

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [e for e in self.pending if e[0] <= self.now]
        for entry in due:
            self.pending.remove(entry)
            entry[1]()


@pytest.fixture
def phone():
    fake = FakeSoftphone(registrar=False)
    fake.start()
    return fake


@pytest.fixture
def clock():
    return ManualScheduler()


def make_service(phone, clock, tmp_path=None, **phone_settings):
    settings = PhoneSettings(**phone_settings)
    return CallService(phone, settings, clock, recordings_dir=tmp_path)


def test_events_reach_listeners_after_lines_are_updated(phone, clock):
    service = make_service(phone, clock)
    seen = []
    service.subscribe(lambda event: seen.append((type(event).__name__,
                                                 [x.state for x in service.lines])))
    call_id = phone.incoming_call(name="Li Lei")
    assert seen == [("IncomingCall", [CallState.RINGING])]
    assert service.line(call_id).name == "Li Lei"
    assert service.active_line().call_id == call_id


def test_answering_a_waiting_call_holds_the_current_one(phone, clock):
    service = make_service(phone, clock)
    first = phone.incoming_call()
    service.answer(first)
    second = phone.incoming_call(number="+8613900139000")
    assert service.line(second).state is CallState.RINGING
    service.answer(second)
    assert phone.calls[first].on_hold and service.line(first).on_hold
    assert service.line(second).state is CallState.CONNECTED
    assert service.active_line().call_id == second
    # Resuming the first holds the second: one conversation at a time.
    service.toggle_hold(first)
    assert not service.line(first).on_hold and service.line(second).on_hold


@pytest.mark.parametrize(("delay", "advance", "answered"),
                         [(0, 0, True), (3, 2.9, False), (3, 3.0, True), (-1, 60, False)])
def test_auto_answer(phone, clock, delay, advance, answered):
    service = make_service(phone, clock, auto_answer_after_s=delay)
    call_id = phone.incoming_call()
    clock.advance(advance)
    assert (service.line(call_id).state is CallState.CONNECTED) is answered


def test_auto_answer_never_answers_over_a_live_call(phone, clock):
    service = make_service(phone, clock, auto_answer_after_s=0)
    first = phone.incoming_call()
    assert service.line(first).state is CallState.CONNECTED
    second = phone.incoming_call()
    clock.advance(10)
    assert service.line(second).state is CallState.RINGING


def test_auto_answer_is_cancelled_when_the_caller_gives_up(phone, clock):
    service = make_service(phone, clock, auto_answer_after_s=5)
    call_id = phone.incoming_call()
    phone.remote_hangup(call_id)
    assert clock.pending == []
    assert service.line(call_id).state is CallState.DISCONNECTED
    assert service.lines == []


def test_reject_uses_the_configured_busy_code(phone, clock):
    service = make_service(phone, clock, busy_code=603)
    call_id = phone.incoming_call()
    service.reject(call_id)
    assert phone.calls[call_id].end_code == 603


def test_dial_normalizes_and_sends_the_extension_after_connect(phone, clock):
    service = make_service(phone, clock, default_region="CN", dial_prefix="0")
    call_id = service.dial("+86 (10) 6552-9988 ext. 12")
    assert phone.calls[call_id].number == "0+861065529988"
    phone.remote_answer(call_id)
    assert phone.calls[call_id].dtmf_sent == []
    clock.advance(1.5)
    assert phone.calls[call_id].dtmf_sent == [("12", DtmfMethod.RFC4733)]


def test_dial_refuses_nonsense_before_touching_the_phone(phone, clock):
    service = make_service(phone, clock)
    with pytest.raises(InvalidNumberError):
        service.dial("call me maybe")
    assert phone.calls == {}


def test_dialing_during_a_call_holds_it(phone, clock):
    service = make_service(phone, clock)
    first = phone.incoming_call()
    service.answer(first)
    service.dial("1002")
    assert service.line(first).on_hold


def test_consult_then_complete_transfer(phone, clock):
    service = make_service(phone, clock)
    customer = phone.incoming_call()
    service.answer(customer)
    consult = service.start_consult(customer, "1002")
    assert service.line(customer).on_hold
    assert service.line(consult).consult_for == customer
    phone.remote_answer(consult)
    service.complete_transfer(consult)
    assert phone.transfers[-1].consult_call_id == consult
    phone.transfer_result(customer, 200)
    # The transferee reached the target: our leg to the customer is hung up.
    assert service.lines == []


def test_consult_cancel_resumes_the_customer(phone, clock):
    service = make_service(phone, clock)
    customer = phone.incoming_call()
    service.answer(customer)
    consult = service.start_consult(customer, "1002")
    service.cancel_consult(consult)
    assert service.line(consult).state is CallState.DISCONNECTED
    assert not service.line(customer).on_hold


def test_complete_transfer_on_a_normal_call_is_refused(phone, clock):
    service = make_service(phone, clock)
    call_id = phone.incoming_call()
    service.answer(call_id)
    with pytest.raises(PhoneActionError, match="not a transfer consultation"):
        service.complete_transfer(call_id)


def test_blind_transfer_normalizes_the_target(phone, clock):
    service = make_service(phone, clock)
    call_id = phone.incoming_call()
    service.answer(call_id)
    service.blind_transfer(call_id, "010 6552 9988")
    assert phone.transfers[-1].target == "+861065529988"


def test_actions_on_ended_calls_are_refused_clearly(phone, clock):
    service = make_service(phone, clock)
    call_id = phone.incoming_call()
    phone.remote_hangup(call_id)
    for action in (service.toggle_hold, service.toggle_mute, service.toggle_recording):
        with pytest.raises(PhoneActionError, match="already ended"):
            action(call_id)


def test_mute_and_sip_info_dtmf(phone, clock):
    service = make_service(phone, clock, dtmf_method="sip_info")
    call_id = phone.incoming_call()
    service.answer(call_id)
    service.toggle_mute(call_id)
    assert service.line(call_id).muted
    service.send_dtmf(call_id, "5")
    assert phone.calls[call_id].dtmf_sent == [("5", DtmfMethod.SIP_INFO)]


def test_recording_opt_in_starts_on_connect_and_toggles(phone, clock, tmp_path):
    service = make_service(phone, clock, tmp_path, record_calls=True)
    call_id = phone.incoming_call()
    service.answer(call_id)
    line = service.line(call_id)
    assert line.recording and not line.recording_paused
    path = Path(phone.calls[call_id].recording_path)
    assert path.parent == tmp_path and path.suffix == ".wav"
    service.toggle_recording(call_id)
    assert service.line(call_id).recording_paused
    service.toggle_recording(call_id)
    assert not service.line(call_id).recording_paused


def test_recording_without_a_directory_is_refused(phone, clock):
    service = make_service(phone, clock)
    call_id = phone.incoming_call()
    service.answer(call_id)
    with pytest.raises(PhoneActionError, match="not set up"):
        service.toggle_recording(call_id)


def test_a_failing_listener_does_not_stop_the_others(phone, clock):
    service = make_service(phone, clock)
    seen = []

    def broken(_event):
        raise RuntimeError("boom")

    service.subscribe(broken)
    service.subscribe(seen.append)
    phone.incoming_call()
    assert isinstance(seen[0], IncomingCall)


def test_the_admission_gate_refuses_a_call_before_anyone_sees_it(phone, clock):
    service = make_service(phone, clock, auto_answer_after_s=0)
    seen = []
    service.subscribe(seen.append)
    offered = []

    def gate(event: IncomingCall) -> int | None:
        offered.append(event.call_id)
        return 486 if len(offered) == 1 else None

    service.set_admission(gate)
    refused = phone.incoming_call(name="Li Lei")
    assert offered == [refused]
    assert seen == [] and service.lines == []  # no line, no ring, no auto-answer
    assert phone.calls[refused].end_code == 486
    admitted = phone.incoming_call(name="Han Meimei")
    assert type(seen[0]).__name__ == "IncomingCall"
    assert service.line(admitted).state is CallState.CONNECTED  # auto-answered


def test_a_broken_admission_gate_lets_the_call_ring(phone, clock):
    service = make_service(phone, clock)

    def gate(_event):
        raise RuntimeError("bug")

    service.set_admission(gate)
    call_id = phone.incoming_call()
    assert service.line(call_id).state is CallState.RINGING


# -- waiting calls and race-free call events (issue 18) -------------------------------
def test_an_incoming_call_that_ended_before_the_desk_saw_it_is_missed_not_an_error(
        clock, caplog):
    # INVITE and CANCEL in one pump: the desk hears IncomingCall, then DISCONNECTED.
    phone = FakeSoftphone(registrar=False, deferred=True)
    phone.start()
    service = make_service(phone, clock, auto_answer_after_s=0)
    seen = []
    service.subscribe(seen.append)
    call_id = phone.incoming_call(number="+8613800138000")
    phone.remote_hangup(call_id)
    with caplog.at_level("DEBUG"):
        phone.poll()
    assert [type(e).__name__ for e in seen][-2:] == ["IncomingCall", "CallStateChanged"]
    line = service.line(call_id)
    assert line.state is CallState.DISCONNECTED and line.connected_at is None
    assert line.number == "+8613800138000"
    assert phone.calls[call_id].end_code == 487  # never answered
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
    assert "not auto-answered" in caplog.text


def test_a_waiting_call_is_offered_again_when_the_line_frees(phone, clock):
    service = make_service(phone, clock, auto_answer_after_s=0)
    offered = []
    service.subscribe(lambda e: offered.append(e.call_id)
                      if type(e).__name__ == "WaitingCallOffered" else None)
    first = phone.incoming_call()
    assert service.line(first).state is CallState.CONNECTED
    waiting = phone.incoming_call(number="+8613900139000")
    later = phone.incoming_call(number="+8613700137000")
    assert service.line(waiting).state is CallState.RINGING  # never over a call
    phone.remote_hangup(first)
    # the oldest waiting call first; the other keeps waiting for the line
    assert offered == [waiting]
    assert service.line(waiting).state is CallState.CONNECTED
    assert service.line(later).state is CallState.RINGING
    service.hangup(waiting)
    assert offered == [waiting, later]
    assert service.line(later).state is CallState.CONNECTED


def test_a_waiting_call_rings_again_when_auto_answer_is_off(phone, clock):
    service = make_service(phone, clock, auto_answer_after_s=3)
    offered = []
    service.subscribe(lambda e: offered.append(e) if type(e).__name__ ==
                      "WaitingCallOffered" else None)
    first = phone.incoming_call()
    clock.advance(3)
    waiting = phone.incoming_call(number="+8613900139000", name="Li Lei")
    clock.advance(10)
    assert service.line(waiting).state is CallState.RINGING
    phone.remote_hangup(first)
    assert [e.call_id for e in offered] == [waiting]
    assert offered[0].incoming.remote_name == "Li Lei"  # for the tray notice
    clock.advance(2.9)
    assert service.line(waiting).state is CallState.RINGING
    clock.advance(0.1)  # auto-answer's own delay applies, from the offer
    assert service.line(waiting).state is CallState.CONNECTED


def test_a_waiting_call_the_gate_now_refuses_goes_back_to_the_acd(phone, clock):
    service = make_service(phone, clock, auto_answer_after_s=0)
    first = phone.incoming_call()
    waiting = phone.incoming_call(number="+8613900139000")
    service.set_admission(lambda event: 486)  # e.g. mandatory after-call work now
    phone.remote_hangup(first)
    assert phone.calls[waiting].state is CallState.DISCONNECTED
    assert phone.calls[waiting].end_code == 486


def test_a_waiting_call_is_not_offered_while_another_call_is_up(phone, clock):
    service = make_service(phone, clock, auto_answer_after_s=0)
    first = phone.incoming_call()
    second_leg = service.dial("1002")
    phone.remote_answer(second_leg)
    waiting = phone.incoming_call(number="+8613900139000")
    phone.remote_hangup(first)
    assert service.line(waiting).state is CallState.RINGING
    phone.remote_hangup(second_leg)
    assert service.line(waiting).state is CallState.CONNECTED
