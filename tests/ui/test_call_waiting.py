"""A second call while talking: the line list, answering, switching lines."""

from PySide6.QtCore import Qt

from agentdesk.core.phone_events import CallState
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.main_window import MainWindow
from tests.fakes.softphone import FakeSoftphone
from tests.ui.conftest import answer_incoming


def test_one_call_has_no_line_list(window: MainWindow, phone: FakeSoftphone):
    answer_incoming(phone)
    assert not window.call_bar.line_list.isVisible()


def test_a_waiting_call_appears_in_the_line_list_and_rings_softly(qtbot, window: MainWindow,
                                                                  bridge: PhoneBridge,
                                                                  phone: FakeSoftphone):
    first = answer_incoming(phone, name="Wang Fang")
    with qtbot.waitSignal(bridge.sig_lines_changed):
        second = phone.incoming_call("+8613900139000", "Li Lei")
    lines = window.call_bar.line_list
    assert lines.isVisible()
    assert lines.call_ids() == [first, second]
    assert "Li Lei" in lines.topLevelItem(1).text(0)
    assert lines.topLevelItem(1).text(1) == "Incoming call"
    # The agent keeps talking to the first caller; the bar still shows them.
    assert window.call_bar.call_info.name_label.text() == "Wang Fang"
    assert window.ringer.is_ringing
    assert window.call_bar.answer_button.text() == "Answer"


def test_answering_the_waiting_call_holds_the_first(qtbot, window: MainWindow,
                                                    bridge: PhoneBridge,
                                                    phone: FakeSoftphone):
    first = answer_incoming(phone, name="Wang Fang")
    second = phone.incoming_call("+8613900139000", "Li Lei")
    with qtbot.waitSignal(bridge.sig_hold_changed):
        qtbot.mouseClick(window.call_bar.answer_button, Qt.MouseButton.LeftButton)
    assert phone.calls[first].on_hold
    assert phone.calls[second].state is CallState.CONNECTED
    assert window.call_bar.call_info.name_label.text() == "Li Lei"
    assert window.call_bar.line_list.topLevelItem(0).text(1) == "On hold"
    assert not window.ringer.is_ringing


def test_selecting_a_held_line_acts_on_it(qtbot, window: MainWindow, bridge: PhoneBridge,
                                          phone: FakeSoftphone):
    first = answer_incoming(phone, name="Wang Fang")
    second = phone.incoming_call("+8613900139000", "Li Lei")
    window.call_bar.call_actions.answer.trigger()
    window.call_bar.line_list.select_call(first)
    bar = window.call_bar
    assert bar.call_info.name_label.text() == "Wang Fang"
    assert bar.hold_button.text() == "Resume"
    with qtbot.waitSignal(bridge.sig_hold_changed):
        qtbot.mouseClick(bar.hold_button, Qt.MouseButton.LeftButton)
    # Resuming one call holds the other: one conversation at a time.
    assert not phone.calls[first].on_hold and phone.calls[second].on_hold
    with qtbot.waitSignal(bridge.sig_lines_changed):
        qtbot.mouseClick(bar.hang_up_button, Qt.MouseButton.LeftButton)
    assert phone.calls[first].state is CallState.DISCONNECTED
    assert phone.calls[second].state is CallState.CONNECTED
    assert not bar.line_list.isVisible()
    assert bar.call_info.name_label.text() == "Li Lei"


def test_rejecting_the_waiting_call_keeps_the_conversation(qtbot, window: MainWindow,
                                                           phone: FakeSoftphone):
    first = answer_incoming(phone)
    second = phone.incoming_call("+8613900139000", "Li Lei")
    qtbot.mouseClick(window.call_bar.reject_button, Qt.MouseButton.LeftButton)
    assert phone.calls[second].state is CallState.DISCONNECTED
    assert phone.calls[first].state is CallState.CONNECTED
    assert not phone.calls[first].on_hold


def test_when_the_line_frees_the_waiting_call_rings_and_notifies_again(
        qtbot, window: MainWindow, bridge: PhoneBridge, phone: FakeSoftphone):
    first = answer_incoming(phone, name="Wang Fang")
    second = phone.incoming_call("+8613900139000", "Li Lei")
    window.tray.last_message = None
    with qtbot.waitSignal(bridge.sig_waiting_call_offered) as offered:
        phone.went_silent(first)
    assert offered.args[0].call_id == second
    assert window.tray.last_message is not None
    title, body = window.tray.last_message
    assert title == "Incoming call" and body.startswith("Li Lei (")
    assert window.ringer.is_ringing
    assert window.call_bar.answer_button.text() == "Answer"
    assert "went silent for 30 s" in window.status_bar.currentMessage()


def test_a_call_the_session_timer_ended_says_so(qtbot, window: MainWindow,
                                                bridge: PhoneBridge, phone: FakeSoftphone):
    first = answer_incoming(phone)
    with qtbot.waitSignal(bridge.sig_call_state_changed):
        phone.went_silent(first, cause="session_timer")
    assert "SIP session timer" in window.status_bar.currentMessage()
