"""Registration text in the call bar and status bar; errors, quality, devices."""

import pytest

from agentdesk.core.phone_events import RegistrationChanged, RegistrationState
from agentdesk.core.softphone import CallQuality
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.registration import registration_text
from tests.fakes.softphone import FakeSoftphone
from tests.ui.conftest import answer_incoming


@pytest.mark.parametrize("event, text", [
    (RegistrationChanged(RegistrationState.DISABLED), "Direct calls only (no registrar)"),
    (RegistrationChanged(RegistrationState.REGISTERING), "Registering…"),
    (RegistrationChanged(RegistrationState.REGISTERED, 200, "OK", 300), "Registered"),
    (RegistrationChanged(RegistrationState.FAILED, 403, "Forbidden"),
     "Registration failed: 403 Forbidden"),
    (RegistrationChanged(RegistrationState.FAILED, 408, "Request Timeout", retry_in_s=29.6),
     "Registration failed: 408 Request Timeout (retrying in 30 s)"),
    (RegistrationChanged(RegistrationState.FAILED),
     "Registration failed: no answer from the registrar"),
    (RegistrationChanged(RegistrationState.UNREGISTERED), "Not registered"),
])
def test_registration_text(qapp, event, text):
    assert registration_text(event) == text


def test_registration_states_reach_the_call_bar_and_status_bar(qtbot, window: MainWindow,
                                                               bridge: PhoneBridge,
                                                               phone: FakeSoftphone):
    indicator = window.call_bar.registration
    with qtbot.waitSignal(bridge.sig_registration_changed):
        phone.start()
    assert indicator.text() == "Registering…"
    assert indicator.dot.property("state") == "registering"
    with qtbot.waitSignal(bridge.sig_registration_changed):
        phone.registration_result(403)
    assert indicator.text() == "Registration failed: 403 Forbidden"
    assert indicator.dot.property("state") == "failed"
    assert window.status_bar.registration_label.text() == \
        "1001@pbx.test · Registration failed: 403 Forbidden"
    with qtbot.waitSignal(bridge.sig_registration_changed):
        phone.registration_result(200)
    assert indicator.text() == "Registered"


def test_a_window_built_after_registration_shows_it(qtbot, service, bridge, settings, phone):
    phone.start()
    phone.registration_result(200)
    win = MainWindow(service, bridge, settings)
    qtbot.addWidget(win)
    assert win.call_bar.registration.text() == "Registered"


def test_a_phone_error_stays_until_dismissed(qtbot, window: MainWindow, bridge: PhoneBridge,
                                             phone: FakeSoftphone):
    with qtbot.waitSignal(bridge.sig_phone_error):
        phone.phone_error("The microphone could not be opened.")
    label = window.status_bar.error_label
    assert label.isVisible() and label.text().endswith("The microphone could not be opened.")
    window.status_bar.error_dismiss.click()
    assert not label.isVisible()


def test_a_refused_action_goes_to_the_status_bar(qtbot, window: MainWindow,
                                                 phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    phone.calls[call_id].recording = True  # the phone thinks it records already
    window.call_bar.call_actions.record.trigger()
    assert window.status_bar.currentMessage() == "The call is already being recorded."


def test_call_quality_is_polled_while_connected(qtbot, window: MainWindow, bridge: PhoneBridge,
                                                phone: FakeSoftphone):
    monitor = window.quality_monitor
    call_id = phone.incoming_call()
    assert not monitor.active
    phone.qualities[call_id] = CallQuality(jitter_ms=12.0, loss_percent=0.5, rtt_ms=80.0,
                                           mos=4.3, codec="opus")
    with qtbot.waitSignal(monitor.sig_quality_updated) as update:
        phone.answer(call_id)
    assert update.args[0] == call_id
    label = window.status_bar.quality_label
    assert label.text() == "Call quality: good (MOS 4.3) · jitter 12 ms · loss 0.5 %"
    phone.qualities[call_id] = CallQuality(jitter_ms=90.0, loss_percent=8.0, rtt_ms=400.0,
                                           mos=2.1)
    with qtbot.waitSignal(monitor.sig_quality_updated):
        pass
    assert label.text().startswith("Call quality: poor (MOS 2.1)")
    assert label.property("poor") is True
    with qtbot.waitSignal(monitor.sig_quality_updated) as cleared:
        phone.remote_hangup(call_id)
    assert cleared.args == ["", None]
    assert not monitor.active and not label.isVisible()


def test_a_failing_quality_provider_does_not_break_the_window(qtbot, service, bridge,
                                                               settings, phone, caplog):
    def broken(_call_id: str) -> CallQuality | None:
        raise RuntimeError("stats unavailable")

    win = MainWindow(service, bridge, settings, quality_provider=broken,
                     quality_interval_ms=10)
    qtbot.addWidget(win)
    answer_incoming(phone)
    with qtbot.waitSignal(win.quality_monitor.sig_quality_updated) as update:
        pass
    assert update.args[1] is None
    assert "stats unavailable" in caplog.text
    win.quality_monitor.stop()


def test_headset_unplugged_notice(qtbot, window: MainWindow, bridge: PhoneBridge,
                                  phone: FakeSoftphone):
    with qtbot.waitSignal(bridge.sig_audio_device_changed):
        phone.audio_device_lost("output", "Jabra Evolve2 40", "Built-in Speakers")
    label = window.status_bar.device_label
    assert label.isVisible()
    assert label.text() == "Jabra Evolve2 40 unplugged — using Built-in Speakers"


def test_a_caller_pressing_a_key_is_shown(qtbot, window: MainWindow, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    phone.remote_dtmf(call_id, "7")
    assert window.status_bar.currentMessage() == "The caller pressed 7"
