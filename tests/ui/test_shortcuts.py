"""Every call action has a shortcut from one table; typing it does the action."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from agentdesk.core.phone_events import CallState
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.shortcuts import SHORTCUTS, Scope, shortcut
from agentdesk.ui.shortcuts_dialog import ShortcutsDialog
from tests.fakes.softphone import FakeSoftphone
from tests.ui.conftest import answer_incoming, press_shortcut

CALL_ACTIONS = ("answer", "reject", "hang_up", "hold", "mute", "transfer",
                "cancel_transfer", "record", "dial_pad", "focus_number")


def window_keys() -> list[str]:
    return [key for s in SHORTCUTS if s.scope is Scope.WINDOW for key in s.keys]


def test_window_shortcuts_are_unique():
    keys = [QKeySequence(k).toString() for k in window_keys()]
    assert len(keys) == len(set(keys))


def test_call_shortcuts_do_not_steal_standard_or_text_editing_keys(qapp):
    # QKeySequence.keyBindings needs the application (a segfault without one)
    standard_keys = set()
    for standard in QKeySequence.StandardKey:
        for binding in QKeySequence.keyBindings(standard):
            standard_keys.add(binding.toString())
    for name in (*CALL_ACTIONS, "simulate_inbound"):
        for key in shortcut(name).keys:
            assert QKeySequence(key).toString() not in standard_keys, key
            modifiers = QKeySequence(key)[0].keyboardModifiers()
            assert modifiers & Qt.KeyboardModifier.ControlModifier or name == "simulate_inbound"


def test_every_call_action_has_its_shortcut_and_shows_it_in_the_tooltip(window: MainWindow):
    actions = window.call_bar.call_actions
    for name in CALL_ACTIONS:
        action = getattr(actions, name)
        assert action.shortcuts() == shortcut(name).sequences()
        assert shortcut(name).native_text() in action.toolTip()
    assert "Ctrl+Shift+H" in window.call_bar.hold_button.toolTip()


def test_answer_and_hang_up_by_keyboard(qtbot, window: MainWindow, bridge: PhoneBridge,
                                        phone: FakeSoftphone):
    call_id = phone.incoming_call()
    with qtbot.waitSignal(bridge.sig_lines_changed):
        press_shortcut(qtbot, window, "answer")
    assert phone.calls[call_id].state is CallState.CONNECTED
    with qtbot.waitSignal(bridge.sig_lines_changed):
        press_shortcut(qtbot, window, "hang_up")
    assert phone.calls[call_id].state is CallState.DISCONNECTED


def test_shortcuts_work_while_typing_in_the_number_field(qtbot, window: MainWindow,
                                                         phone: FakeSoftphone):
    window.call_bar.focus_number_field()
    qtbot.keyClicks(window.call_bar.number_field, "10")
    call_id = phone.incoming_call()
    press_shortcut(qtbot, window, "answer")
    assert phone.calls[call_id].state is CallState.CONNECTED
    press_shortcut(qtbot, window, "hold")
    assert phone.calls[call_id].on_hold
    assert window.call_bar.number_field.text() == "10"  # nothing typed into it


def test_reject_by_keyboard(qtbot, window: MainWindow, phone: FakeSoftphone):
    call_id = phone.incoming_call()
    press_shortcut(qtbot, window, "reject")
    assert phone.calls[call_id].end_code == 486


@pytest.mark.parametrize("action, check", [
    ("hold", lambda call: call.on_hold),
    ("mute", lambda call: call.muted),
    ("record", lambda call: call.recording),
])
def test_in_call_toggles_by_keyboard(qtbot, window: MainWindow, phone: FakeSoftphone,
                                     action, check):
    call_id = answer_incoming(phone)
    press_shortcut(qtbot, window, action)
    assert check(phone.calls[call_id])


def test_transfer_by_keyboard(qtbot, window: MainWindow, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    press_shortcut(qtbot, window, "transfer")
    panel = window.call_bar.transfer_panel
    assert panel.isVisible() and panel.target_field.hasFocus()
    qtbot.keyClicks(panel.target_field, "2002")
    qtbot.keyClick(panel.target_field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    consult_id = next(c for c in phone.calls if c != call_id)  # consult first
    phone.remote_answer(consult_id)
    press_shortcut(qtbot, window, "transfer")  # again: complete
    assert phone.transfers[-1].consult_call_id == consult_id


def test_cancel_transfer_by_keyboard(qtbot, window: MainWindow, phone: FakeSoftphone):
    call_id = answer_incoming(phone)
    window.call_bar.call_actions.transfer.trigger()
    window.call_bar.transfer_panel.target_field.setText("2002")
    window.call_bar.transfer_panel.consult_button.click()
    consult_id = next(c for c in phone.calls if c != call_id)
    press_shortcut(qtbot, window, "cancel_transfer")
    assert phone.calls[consult_id].state is CallState.DISCONNECTED
    assert not phone.calls[call_id].on_hold


def test_focus_number_field_and_dial_pad_by_keyboard(qtbot, window: MainWindow,
                                                     phone: FakeSoftphone):
    bar = window.call_bar
    bar.hold_button.setFocus()
    press_shortcut(qtbot, window, "focus_number")
    assert bar.number_field.hasFocus()
    press_shortcut(qtbot, window, "dial_pad")
    assert bar.dial_pad.isVisible() and bar.dial_pad.hasFocus()
    call_id = answer_incoming(phone)
    qtbot.keyClicks(bar.dial_pad, "5")  # DTMF digits while the pad has the focus
    assert phone.calls[call_id].dtmf_sent[0][0] == "5"


def test_help_dialog_lists_every_shortcut(qtbot, window: MainWindow):
    dialog = window.show_shortcuts()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    rows = dialog.rows()
    shown_keys = {keys for keys, _description, _scope in rows}
    for entry in SHORTCUTS:
        if entry.action != "simulate_inbound":
            assert entry.native_text() in shown_keys
    assert any(description == "Hang up" for _k, description, _s in rows)


def test_help_shortcut_opens_the_dialog(qtbot, window: MainWindow):
    press_shortcut(qtbot, window, "shortcuts_help")
    qtbot.waitUntil(lambda: window.findChild(ShortcutsDialog) is not None)
    dialog = window.findChild(ShortcutsDialog)
    dialog.close()
