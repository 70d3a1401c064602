"""Blind and consult transfers through the transfer panel."""

from PySide6.QtCore import Qt

from agentdesk.core.phone_events import CallState
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.main_window import MainWindow
from tests.fakes.softphone import FakeSoftphone
from tests.ui.conftest import answer_incoming


def open_panel(window: MainWindow):
    window.call_bar.call_actions.transfer.trigger()
    panel = window.call_bar.transfer_panel
    assert panel.isVisible()
    return panel


def test_transfer_needs_a_connected_call(window: MainWindow, phone: FakeSoftphone):
    assert not window.call_bar.call_actions.transfer.isEnabled()
    phone.incoming_call()
    assert not window.call_bar.call_actions.transfer.isEnabled()


def test_blind_transfer(qtbot, window: MainWindow, bridge: PhoneBridge, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    panel = open_panel(window)
    qtbot.keyClicks(panel.target_field, "2002")
    with qtbot.waitSignal(bridge.sig_transfer_progress):
        qtbot.keyClick(panel.target_field, Qt.Key.Key_Return)
    assert phone.transfers[-1].target == "2002"
    assert "100 Trying" in panel.status_label.text()
    with qtbot.waitSignals([bridge.sig_transfer_progress, bridge.sig_call_state_changed],
                           order="strict"):
        phone.transfer_result(call_id, 200)
    # CallService hangs up our leg once the transferee reached the target.
    assert phone.calls[call_id].state is CallState.DISCONNECTED
    assert not panel.isVisible()
    assert window.status_bar.currentMessage() == "Transfer complete."


def test_a_failed_blind_transfer_keeps_the_call(qtbot, window: MainWindow, bridge: PhoneBridge,
                                                phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    panel = open_panel(window)
    panel.target_field.setText("2002")
    qtbot.mouseClick(panel.transfer_now_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(bridge.sig_transfer_progress):
        phone.transfer_result(call_id, 486)
    assert phone.calls[call_id].state is CallState.CONNECTED
    assert panel.isVisible()
    assert panel.status_label.text() == "Transfer failed: 486 Busy Here"


def test_consult_then_complete(qtbot, window: MainWindow, bridge: PhoneBridge,
                               phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    panel = open_panel(window)
    panel.target_field.setText("2002")
    with qtbot.waitSignal(bridge.sig_outgoing_call_started) as started:
        qtbot.mouseClick(panel.consult_button, Qt.MouseButton.LeftButton)
    consult_id = started.args[0].call_id
    assert phone.calls[call_id].on_hold
    assert panel.consult_label.text() == "Consulting 2002: Calling…"
    assert not window.call_bar.call_actions.transfer.isEnabled()  # not until they answer
    with qtbot.waitSignal(bridge.sig_lines_changed):
        phone.remote_answer(consult_id)
    assert "Talking to 2002" in panel.consult_label.text()
    assert window.call_bar.line_list.isVisible()
    assert window.call_bar.call_actions.transfer.text() == "Complete transfer"
    qtbot.mouseClick(panel.complete_button, Qt.MouseButton.LeftButton)
    assert phone.transfers[-1].call_id == call_id
    assert phone.transfers[-1].consult_call_id == consult_id
    with qtbot.waitSignal(bridge.sig_lines_changed):
        phone.transfer_result(call_id, 200)
    assert phone.calls[call_id].state is CallState.DISCONNECTED
    assert phone.calls[consult_id].state is CallState.DISCONNECTED
    assert not panel.isVisible()
    assert window.call_bar.call_info.name_label.text() == "No call"


def test_consult_then_cancel_goes_back_to_the_caller(qtbot, window: MainWindow,
                                                     bridge: PhoneBridge,
                                                     phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    panel = open_panel(window)
    panel.target_field.setText("2002")
    qtbot.mouseClick(panel.consult_button, Qt.MouseButton.LeftButton)
    consult_id = next(c for c in phone.calls if c != call_id)
    phone.remote_answer(consult_id)
    with qtbot.waitSignal(bridge.sig_hold_changed):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert phone.calls[consult_id].state is CallState.DISCONNECTED
    assert not phone.calls[call_id].on_hold
    assert not panel.isVisible()
    assert window.call_bar.call_actions.current_line().call_id == call_id


def test_an_invalid_target_is_explained_in_the_panel(qtbot, window: MainWindow,
                                                     phone: FakeSoftphone):
    answer_incoming(phone)
    panel = open_panel(window)
    panel.target_field.setText("support desk")
    qtbot.mouseClick(panel.transfer_now_button, Qt.MouseButton.LeftButton)
    assert "letters" in panel.status_label.text()
    assert phone.transfers == []
    assert not window.call_bar.number_error.isVisible()


def test_close_hides_the_panel(qtbot, window: MainWindow, phone: FakeSoftphone):
    answer_incoming(phone)
    panel = open_panel(window)
    qtbot.keyClick(panel.target_field, Qt.Key.Key_Escape)
    assert not panel.isVisible()
    assert not window.call_bar.call_actions.cancel_transfer.isEnabled()
