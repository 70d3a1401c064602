"""PhoneBridge: one typed signal per event, then sig_lines_changed, on the GUI thread."""

import threading

import pytest
from PySide6.QtCore import QThread

from agentdesk.core.call_service import CallService
from agentdesk.core.phone_events import (
    AudioDeviceChanged,
    CallState,
    IncomingCall,
    PhoneError,
    RegistrationChanged,
    RegistrationState,
)
from agentdesk.ui.bridge import PhoneBridge
from tests.fakes.softphone import FakeSoftphone


def test_incoming_call_signal_then_lines_changed(qtbot, bridge: PhoneBridge,
                                                 phone: FakeSoftphone):
    received = []
    bridge.sig_incoming_call.connect(received.append)
    with qtbot.waitSignals([bridge.sig_incoming_call, bridge.sig_lines_changed],
                           order="strict"):
        phone.incoming_call("+8613800138000", "Li Lei")
    assert isinstance(received[0], IncomingCall) and received[0].remote_name == "Li Lei"


def test_slots_see_lines_that_already_reflect_the_event(qtbot, bridge: PhoneBridge,
                                                        service: CallService,
                                                        phone: FakeSoftphone):
    seen = []
    bridge.sig_call_state_changed.connect(
        lambda event: seen.append(service.line(event.call_id).state))
    call_id = phone.incoming_call()
    phone.answer(call_id)
    assert seen == [CallState.CONNECTING, CallState.CONNECTED]


@pytest.mark.parametrize("trigger, signal_name", [
    (lambda p, c: p.hold(c), "sig_hold_changed"),
    (lambda p, c: p.set_mute(c, True), "sig_mute_changed"),
    (lambda p, c: p.remote_dtmf(c, "5"), "sig_dtmf_received"),
    (lambda p, c: p.blind_transfer(c, "2002"), "sig_transfer_progress"),
    (lambda p, c: p.remote_refer(c, "sip:2002@pbx.test"), "sig_transfer_requested"),
    (lambda p, c: p.start_recording(c, "/tmp/r.wav"), "sig_recording_changed"),
    (lambda p, c: p.remote_hangup(c), "sig_call_state_changed"),
])
def test_each_call_event_has_its_signal(qtbot, bridge: PhoneBridge, phone: FakeSoftphone,
                                        trigger, signal_name):
    call_id = phone.incoming_call()
    phone.answer(call_id)
    with qtbot.waitSignals([getattr(bridge, signal_name), bridge.sig_lines_changed],
                           order="strict"):
        trigger(phone, call_id)


@pytest.mark.parametrize("trigger, signal_name", [
    (lambda p: p.registration_result(403), "sig_registration_changed"),
    (lambda p: p.audio_device_lost("output", "Jabra", "Speakers"), "sig_audio_device_changed"),
    (lambda p: p.phone_error("No microphone"), "sig_phone_error"),
])
def test_non_call_events_do_not_touch_the_lines(qtbot, bridge: PhoneBridge,
                                                phone: FakeSoftphone, trigger, signal_name):
    with qtbot.assertNotEmitted(bridge.sig_lines_changed), \
            qtbot.waitSignal(getattr(bridge, signal_name)) as blocker:
        trigger(phone)
    assert isinstance(blocker.args[0], RegistrationChanged | AudioDeviceChanged | PhoneError)


def test_an_event_from_another_thread_arrives_on_the_gui_thread(qtbot, bridge: PhoneBridge):
    threads = []
    bridge.sig_registration_changed.connect(lambda _e: threads.append(QThread.currentThread()))
    event = RegistrationChanged(RegistrationState.REGISTERED, 200, "OK")
    with qtbot.waitSignal(bridge.sig_registration_changed):
        worker = threading.Thread(target=bridge.on_call_service_event, args=(event,))
        worker.start()
        worker.join()
        assert threads == []  # not delivered on the worker thread
    assert threads == [bridge.thread()]
