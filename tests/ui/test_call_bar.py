"""The call bar against FakeSoftphone + the real CallService."""

from PySide6.QtCore import Qt

from agentdesk.core.call_service import CallService
from agentdesk.core.phone_events import CallState, DtmfMethod
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.main_window import MainWindow
from tests.fakes.softphone import FakeSoftphone
from tests.ui.conftest import FakeClock, answer_incoming


def test_an_incoming_call_shows_the_caller_and_rings(qtbot, window: MainWindow,
                                                     bridge: PhoneBridge, phone: FakeSoftphone):
    bar = window.call_bar
    with qtbot.waitSignal(window.ringer.sig_ringing_changed) as ringing:
        phone.incoming_call("+861065529988", "Wang Fang")
    assert ringing.args == [True]
    assert bar.call_info.name_label.text() == "Wang Fang"
    assert bar.call_info.number_label.text() == "010 6552 9988"  # formatted for CN
    assert bar.call_info.state_label.text() == "Incoming call"
    assert bar.answer_button.text() == "Answer" and bar.answer_button.isEnabled()
    assert bar.reject_button.isEnabled()
    assert not bar.hang_up_button.isEnabled()
    assert window.tray.last_message == ("Incoming call", "Wang Fang (010 6552 9988)")


def test_answer_button_connects_and_stops_the_ring(qtbot, window: MainWindow,
                                                   bridge: PhoneBridge, phone: FakeSoftphone):
    call_id = phone.incoming_call("+8613800138000", "Li Lei")
    with qtbot.waitSignal(window.ringer.sig_ringing_changed) as ringing:
        qtbot.mouseClick(window.call_bar.answer_button, Qt.MouseButton.LeftButton)
    assert ringing.args == [False]
    assert phone.calls[call_id].state is CallState.CONNECTED
    bar = window.call_bar
    assert bar.call_info.state_label.text() == "Connected"
    assert bar.hang_up_button.isEnabled() and not bar.reject_button.isEnabled()
    assert bar.answer_button.text() == "Call"


def test_reject_button_refuses_with_the_configured_code(qtbot, window: MainWindow,
                                                        bridge: PhoneBridge,
                                                        phone: FakeSoftphone):
    call_id = phone.incoming_call()
    with qtbot.waitSignal(bridge.sig_call_state_changed):
        qtbot.mouseClick(window.call_bar.reject_button, Qt.MouseButton.LeftButton)
    assert phone.calls[call_id].end_code == 486
    assert not window.ringer.is_ringing
    assert window.call_bar.call_info.name_label.text() == "No call"


def test_hang_up_ends_the_call(qtbot, window: MainWindow, bridge: PhoneBridge,
                               phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    with qtbot.waitSignal(bridge.sig_lines_changed):
        qtbot.mouseClick(window.call_bar.hang_up_button, Qt.MouseButton.LeftButton)
    assert phone.calls[call_id].state is CallState.DISCONNECTED
    assert not window.call_bar.hang_up_button.isEnabled()


def test_the_far_end_hanging_up_clears_the_bar(qtbot, window: MainWindow,
                                                bridge: PhoneBridge, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    with qtbot.waitSignal(bridge.sig_lines_changed):
        phone.remote_hangup(call_id)
    assert window.call_bar.call_info.name_label.text() == "No call"
    assert not window.call_bar.hold_button.isEnabled()


def test_hold_toggles_and_the_button_says_resume(qtbot, window: MainWindow,
                                                 bridge: PhoneBridge, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    bar = window.call_bar
    with qtbot.waitSignal(bridge.sig_hold_changed):
        qtbot.mouseClick(bar.hold_button, Qt.MouseButton.LeftButton)
    assert phone.calls[call_id].on_hold
    assert bar.hold_button.isChecked() and bar.hold_button.text() == "Resume"
    assert bar.call_info.state_label.text() == "On hold"
    with qtbot.waitSignal(bridge.sig_hold_changed):
        qtbot.mouseClick(bar.hold_button, Qt.MouseButton.LeftButton)
    assert not phone.calls[call_id].on_hold
    assert not bar.hold_button.isChecked() and bar.hold_button.text() == "Hold"


def test_mute_toggles(qtbot, window: MainWindow, bridge: PhoneBridge, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    bar = window.call_bar
    with qtbot.waitSignal(bridge.sig_mute_changed):
        qtbot.mouseClick(bar.mute_button, Qt.MouseButton.LeftButton)
    assert phone.calls[call_id].muted and bar.mute_button.isChecked()
    assert "Muted" in bar.call_info.badges_label.text()
    with qtbot.waitSignal(bridge.sig_mute_changed):
        qtbot.mouseClick(bar.mute_button, Qt.MouseButton.LeftButton)
    assert not phone.calls[call_id].muted and not bar.mute_button.isChecked()


def test_record_pause_resume(qtbot, window: MainWindow, bridge: PhoneBridge,
                             phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    bar = window.call_bar
    with qtbot.waitSignal(bridge.sig_recording_changed):
        qtbot.mouseClick(bar.record_button, Qt.MouseButton.LeftButton)
    assert phone.calls[call_id].recording
    assert phone.calls[call_id].recording_path.endswith(".wav")
    assert bar.record_button.text() == "Pause recording"
    with qtbot.waitSignal(bridge.sig_recording_changed):
        qtbot.mouseClick(bar.record_button, Qt.MouseButton.LeftButton)
    assert phone.calls[call_id].recording_paused
    assert bar.record_button.text() == "Resume recording"
    assert "Recording paused" in bar.call_info.badges_label.text()
    with qtbot.waitSignal(bridge.sig_recording_changed):
        qtbot.mouseClick(bar.record_button, Qt.MouseButton.LeftButton)
    assert not phone.calls[call_id].recording_paused


def test_dial_pad_sends_dtmf_during_a_call(qtbot, window: MainWindow, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    bar = window.call_bar
    bar.call_actions.dial_pad.trigger()
    assert bar.dial_pad.isVisible()
    qtbot.mouseClick(bar.dial_pad.buttons["1"], Qt.MouseButton.LeftButton)
    qtbot.keyClicks(bar.dial_pad, "2#")
    assert phone.calls[call_id].dtmf_sent == [("1", DtmfMethod.RFC4733),
                                              ("2", DtmfMethod.RFC4733),
                                              ("#", DtmfMethod.RFC4733)]
    assert bar.dtmf_label.text() == "12#"
    assert bar.number_field.text() == ""


def test_dial_pad_types_digits_when_there_is_no_call(qtbot, window: MainWindow):
    bar = window.call_bar
    bar.call_actions.dial_pad.trigger()
    qtbot.keyClicks(bar.dial_pad, "1001")
    qtbot.mouseClick(bar.dial_pad.buttons["*"], Qt.MouseButton.LeftButton)
    assert bar.number_field.text() == "1001*"


def test_typing_a_number_and_return_dials_it(qtbot, window: MainWindow, bridge: PhoneBridge,
                                             phone: FakeSoftphone):
    bar = window.call_bar
    qtbot.keyClicks(bar.number_field, "+86 (10) 6552-9988")
    with qtbot.waitSignal(bridge.sig_outgoing_call_started) as started:
        qtbot.keyClick(bar.number_field, Qt.Key.Key_Return)
    assert started.args[0].remote_number == "+861065529988"
    assert bar.number_field.text() == ""
    assert bar.call_info.state_label.text() == "Calling…"
    assert bar.hang_up_button.isEnabled()


def test_an_extension_after_the_number_is_sent_once_connected(qtbot, window: MainWindow,
                                                              phone: FakeSoftphone):
    bar = window.call_bar
    bar.number_field.setText("+86 (10) 6552-9988 ext. 12")
    bar.call_actions.answer.trigger()  # "Call" when nothing rings
    call_id = next(iter(phone.calls))
    phone.remote_answer(call_id)
    qtbot.waitUntil(lambda: phone.calls[call_id].dtmf_sent != [], timeout=3000)
    assert phone.calls[call_id].dtmf_sent[0][0] == "12"


def test_an_invalid_number_is_explained_inline_not_in_a_modal(qtbot, window: MainWindow,
                                                              phone: FakeSoftphone):
    bar = window.call_bar
    qtbot.keyClicks(bar.number_field, "call me maybe")
    qtbot.keyClick(bar.number_field, Qt.Key.Key_Return)
    assert bar.number_error.isVisible()
    assert "letters" in bar.number_error.text()
    assert phone.calls == {}
    assert window.findChildren(type(window), "") == []  # no dialog opened
    qtbot.keyClicks(bar.number_field, "x")  # editing clears the message
    assert not bar.number_error.isVisible()


def test_a_busy_callee_is_reported(qtbot, window: MainWindow, bridge: PhoneBridge,
                                   phone: FakeSoftphone):
    window.call_bar.call_actions.dial("1002")
    call_id = next(iter(phone.calls))
    with qtbot.waitSignal(bridge.sig_lines_changed):
        phone.remote_reject(call_id, 486)
    assert "Busy (486 Busy Here)" in window.call_bar.call_info.number_label.text()
    assert "486 Busy Here" in window.status_bar.currentMessage()


def test_talk_time_runs_from_connection(qtbot, window: MainWindow, phone: FakeSoftphone,
                                        clock: FakeClock, service: CallService):
    call_id = phone.incoming_call()
    clock.advance(20)  # ringing time is not talk time
    phone.answer(call_id)
    assert window.call_bar.call_info.timer_label.text() == "00:00"
    clock.advance(75)
    window.call_bar.on_tick_timer_timeout()
    assert window.call_bar.call_info.timer_label.text() == "01:15"
    clock.advance(3600)
    window.call_bar.on_tick_timer_timeout()
    assert window.call_bar.call_info.timer_label.text() == "1:01:15"


def test_a_hostile_display_name_is_cleaned_and_elided(qtbot, window: MainWindow,
                                                      phone: FakeSoftphone):
    width = window.width()
    hostile = "\u202eevil\nname\x00 " + "A" * 2048
    phone.incoming_call("+8613800138000", hostile)
    label = window.call_bar.call_info.name_label
    assert "\u202e" not in label.text() and "\n" not in label.text()
    assert len(label.text()) <= 120
    qtbot.waitUntil(lambda: label.displayed_text().endswith("…"))
    assert window.width() == width
    assert label.width() <= window.width()
