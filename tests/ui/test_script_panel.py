"""The script panel: shortcuts, inline validation, objection detour and return,
compliance gating, back, and the outcome that pre-fills the wrap-up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from agentdesk.core.scripts import ScriptContext, load_and_validate
from agentdesk.ui.script_panel import ScriptPanel

SCRIPTS = Path(__file__).parents[2] / "src" / "agentdesk" / "resources" / "scripts"
CONTEXT = ScriptContext(customer={"first_name": "Lei", "last_name": "Li"},
                        agent={"first_name": "Alice"})


def load(name):
    script, problems = load_and_validate(SCRIPTS / name)
    assert script is not None, problems
    return script


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)

    def __call__(self):
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def panel(qtbot):
    widget = ScriptPanel(clock=Clock())
    qtbot.addWidget(widget)
    widget.set_scripts([load("telesales_broadband.yaml"), load("order_confirmation.yaml")])
    widget.start(load("telesales_broadband.yaml"), CONTEXT)
    with qtbot.waitExposed(widget):
        widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()
    widget.setFocus()
    return widget


def current(panel):
    return panel.session.current.id


def pass_recording_notice(qtbot, panel):
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert current(panel) == "recording_notice"
    assert not panel.next_button.isEnabled()
    panel.acknowledge.setChecked(True)
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert current(panel) == "permission"


def test_unknown_values_are_marked_not_blank(panel):
    text = panel.text.text()
    assert "<b>Lei Li</b>" in text and "<b>Alice</b>" in text
    assert "⟨campaign.name?⟩" in text


def test_compliance_gates_next(qtbot, panel):
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert panel.acknowledge.isVisible() and not panel.next_button.isEnabled()
    panel.on_next_clicked()  # even forced, the step is not skipped
    assert current(panel) == "recording_notice"
    panel.acknowledge.setChecked(True)
    assert panel.next_button.isEnabled()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert current(panel) == "permission"


def test_number_keys_choose(qtbot, panel):
    pass_recording_notice(qtbot, panel)
    assert panel.choice_buttons[0].text().startswith("1  ")
    with qtbot.waitSignal(panel.sig_outcome_changed) as changed:
        qtbot.keyClick(panel, Qt.Key.Key_2)
    assert current(panel) == "ask_callback_time"
    assert changed.args[0].captured == {"permission": "later"}


def test_inline_validation_and_submit(qtbot, panel):
    pass_recording_notice(qtbot, panel)
    qtbot.keyClick(panel, Qt.Key.Key_2)
    date = panel._field_widgets["callback_date"]
    qtbot.keyClicks(date, "tomorrow")
    error = panel._field_errors["callback_date"]
    assert error.isVisible() and error.text() == "Type a date as YYYY-MM-DD"
    date.clear()
    qtbot.keyClicks(date, "2026-11-23")
    assert not error.isVisible()
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)  # slot still empty
    assert current(panel) == "ask_callback_time"
    assert panel._field_errors["callback_slot"].text() == "Required"
    panel._field_widgets["callback_slot"].setCurrentIndex(2)  # afternoon
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert current(panel) == "book_callback"
    assert "Afternoon" in panel.text.text()


def test_digits_typed_in_a_field_stay_digits(qtbot, panel):
    pass_recording_notice(qtbot, panel)
    qtbot.keyClick(panel, Qt.Key.Key_1)
    assert current(panel) == "needs"
    spend = panel._field_widgets["monthly_spend"]
    spend.setFocus()
    qtbot.keyClicks(spend, "12")
    assert spend.text() == "12" and current(panel) == "needs"


def test_objection_detour_and_return(qtbot, panel):
    pass_recording_notice(qtbot, panel)
    qtbot.keyClick(panel, Qt.Key.Key_1)
    assert current(panel) == "needs"
    with qtbot.waitSignal(panel.sig_outcome_changed):
        qtbot.keyClick(panel, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)  # price
    assert panel.detour_title.isVisible() and "too expensive" in panel.detour_title.text()
    assert len(panel.rebuttal_buttons) == 3
    qtbot.keyClick(panel, Qt.Key.Key_1)  # the first rebuttal: returns
    assert panel.session.detour is None and current(panel) == "needs"
    assert panel._field_widgets  # the step's fields are back
    outcome = panel.session.outcome()
    assert [(u.objection, u.rebuttal, u.node) for u in outcome.objections] == [
        ("price", "price_per_day", "needs")]
    # Esc returns without a rebuttal
    panel.objection_bar.search.setText("spouse")
    assert [b.objectName() for b in panel.objection_bar.buttons()] == ["objection_ask_spouse"]
    qtbot.keyClick(panel, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(panel, Qt.Key.Key_Escape)
    assert panel.session.detour is None and current(panel) == "needs"
    assert panel.session.outcome().objections[-1].rebuttal is None


def test_a_rebuttal_that_branches_and_finishes(qtbot, panel):
    pass_recording_notice(qtbot, panel)
    panel.objection_bar.search.setText("number")
    qtbot.keyClick(panel, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    with qtbot.waitSignal(panel.sig_finished) as finished:
        qtbot.mouseClick(panel.rebuttal_buttons[1], Qt.MouseButton.LeftButton)
    outcome = finished.args[0]
    assert outcome.wrapup_codes == ("TS-DNC",)
    assert outcome.note.startswith("Customer asked not to be called again")


def test_back_undoes_answers(qtbot, panel):
    pass_recording_notice(qtbot, panel)
    qtbot.keyClick(panel, Qt.Key.Key_2)
    assert panel.session.answers == {"permission": "later"}
    qtbot.keyClick(panel, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert current(panel) == "permission" and panel.session.answers == {}
    assert "permission" in panel.trail.text()


def test_finishing_pre_fills_the_wrap_up(qtbot, panel):
    pass_recording_notice(qtbot, panel)
    qtbot.keyClick(panel, Qt.Key.Key_3)  # no -> soft close
    with qtbot.waitSignal(panel.sig_finished) as finished:
        qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    payload = finished.args[0].to_payload()
    assert payload["script_id"] == "telesales-broadband"
    assert payload["script_path"][-1] == "end_not_interested"
    assert finished.args[0].wrapup_codes == ("TS-NOT-INTERESTED",)


def test_switching_script_restarts_with_the_same_context(qtbot, panel):
    with qtbot.waitSignal(panel.sig_script_switched) as switched:
        panel.switcher.activated.emit(1)
    assert switched.args[0].id == "order-confirmation"
    assert current(panel) == "greet" and "<b>Lei Li</b>" in panel.text.text()


def test_clear(panel):
    panel.clear()
    assert panel.session is None and not panel.objection_bar.isVisible()
    assert panel.choice_buttons == []


def test_the_switcher_names_the_running_script_after_the_scripts_are_reloaded(panel):
    # A sync re-reads the scripts mid-call: the same scripts as new objects, reordered.
    panel.set_scripts([load("order_confirmation.yaml"), load("telesales_broadband.yaml")])
    assert panel.switcher.count() == 2
    assert panel.switcher.currentIndex() == 1
    assert panel.session.script.id == "telesales-broadband"


def test_the_objection_bar_wraps_instead_of_widening_the_window(qtbot, panel):
    # nine objections in one row made the main window wider than a 1920-pixel screen
    buttons = panel.objection_bar.buttons()
    assert len(buttons) >= 8
    one_row = sum(b.sizeHint().width() for b in buttons)
    assert panel.minimumSizeHint().width() < one_row / 2
    panel.resize(600, 700)
    qtbot.waitUntil(lambda: all(b.geometry().right() <= panel.objection_bar.width()
                                for b in buttons))
    rows = {b.geometry().top() for b in buttons}
    assert len(rows) > 1
    assert all(b.isVisible() and b.geometry().bottom() <= panel.objection_bar.height()
               for b in buttons)
    assert panel.objection_bar.y() + panel.objection_bar.height() <= panel.height()


def test_after_each_action_the_keys_belong_to_the_new_step(qtbot, panel):
    # Next disables itself on a compliance step; focus used to fall through to the
    # objection search, which then swallowed the digits meant for the rebuttals
    qtbot.mouseClick(panel.next_button, Qt.MouseButton.LeftButton)
    assert current(panel) == "recording_notice"
    assert panel.acknowledge.hasFocus()
    qtbot.keyClick(panel.acknowledge, Qt.Key.Key_Space)
    assert panel.next_button.isEnabled()
    qtbot.keyClicks(panel.objection_bar.search, "long")
    qtbot.keyClick(panel.objection_bar.search, Qt.Key.Key_Return)
    assert panel.session.detour is not None
    assert panel.rebuttal_buttons[0].hasFocus()
    assert not panel.objection_bar.search.hasFocus()
    qtbot.keyClick(panel.rebuttal_buttons[0], Qt.Key.Key_1)
    assert panel.session.detour is None
    assert current(panel) == "recording_notice"
    assert panel.objection_bar.search.text() == ""


def test_the_objection_title_is_shown_as_text_not_as_escaped_html(qtbot, panel):
    qtbot.keyClick(panel, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    from PySide6.QtGui import QTextDocument
    assert panel.detour_title.textFormat() is Qt.TextFormat.RichText
    rendered = QTextDocument()
    rendered.setHtml(panel.detour_title.text())
    assert "It's too expensive" in rendered.toPlainText()


def test_alt_digits_belong_to_the_wrapup_form_while_the_keyboard_is_in_it(qtbot, panel):
    # the wrap-up form binds its code hotkeys (Alt+1..) to itself; with the bar's
    # window-wide Alt+1 also live, Qt found the key ambiguous and fired neither
    from PySide6.QtGui import QKeySequence, QShortcut
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget
    form = QWidget(panel.window())
    QVBoxLayout(form).addWidget(note := QLineEdit(form))
    panel.layout().addWidget(form)
    form.show()
    toggled = []
    code_key = QShortcut(QKeySequence("Alt+1"), form)
    code_key.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    code_key.activated.connect(lambda: toggled.append("code"))
    panel.objection_bar.yield_hotkeys_to(form)
    note.setFocus()
    qtbot.waitUntil(note.hasFocus)
    qtbot.keyClick(note, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert toggled == ["code"]
    assert panel.session.detour is None
    panel.next_button.setFocus()
    qtbot.waitUntil(panel.next_button.hasFocus)
    qtbot.keyClick(panel.next_button, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert panel.session.detour is not None
    assert toggled == ["code"]
