from datetime import UTC, datetime, timedelta
from decimal import Decimal
from importlib import resources
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QDate, QDateTime, Qt, QTime
from pytestqt.qtbot import QtBot

from agentdesk.core.acw import AUTO_WRAP_CODE, AcwPolicy, AfterCallWork
from agentdesk.core.records import Callback, CallbackOwner, CallbackState, WrapUp
from agentdesk.core.wrapup_codes import CodeSet, parse_code_file
from agentdesk.core.wrapup_form_model import WrapUpContext, WrapUpPrefill
from agentdesk.ui.wrapup_form import WrapUpForm

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


class WallClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def code_sets() -> dict[str, CodeSet]:
    text = (resources.files("agentdesk") / "resources/demo/codes.yaml").read_text("utf-8")
    return {s.id: s for s in parse_code_file(text, "codes.yaml").code_sets}


@pytest.fixture
def wall_clock() -> WallClock:
    return WallClock()


@pytest.fixture
def form(qtbot: QtBot, wall_clock: WallClock) -> WrapUpForm:
    widget = WrapUpForm(clock=wall_clock, agent_timezone=SHANGHAI, language="en",
                        tick_interval_ms=10, draft_debounce_ms=20)
    qtbot.addWidget(widget)
    widget.resize(500, 700)
    with qtbot.waitExposed(widget):
        widget.show()
    with qtbot.waitActive(widget):
        widget.activateWindow()
    return widget


def start(form: WrapUpForm, code_set: CodeSet, *, customer: str | None = "C1",
          zone: str | None = "Asia/Shanghai", **kwargs: object) -> WrapUpContext:
    context = WrapUpContext(uuid4(), code_set, customer, zone,
                            reopens=kwargs.pop("reopens", None),  # type: ignore[arg-type]
                            callback_number=kwargs.pop("number", None),  # type: ignore[arg-type]
                            open_callback=kwargs.pop("open_callback", None))  # type: ignore[arg-type]
    form.start(context, **kwargs)  # type: ignore[arg-type]
    return context


def saved_with(qtbot: QtBot, form: WrapUpForm) -> tuple[WrapUp, Callback | None]:
    with qtbot.waitSignal(form.sig_saved, timeout=1000) as blocker:
        assert form.save()
    wrapup, callback = blocker.args
    return wrapup, callback


# --- filtering and keys -----------------------------------------------------------------


def test_typing_filters_the_codes(qtbot: QtBot, form: WrapUpForm,
                                  code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    assert len(form.visible_codes()) == len(code_sets["service"].codes)
    qtbot.keyClicks(form.filter_edit, "refund")
    assert form.visible_codes() == ["AS-REFUND"]
    form.filter_edit.clear()
    form.filter_edit.insert("投诉")  # as an input method commits it (QTest types ASCII only)
    assert form.visible_codes() == ["CMP-RESOLVED", "CMP-ESCALATED"]
    assert form.current_code() == "CMP-RESOLVED"


def test_up_down_and_enter_from_the_filter_box_choose_a_code(
        qtbot: QtBot, form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    qtbot.keyClicks(form.filter_edit, "complaint")
    qtbot.keyClick(form.filter_edit, Qt.Key.Key_Down)
    assert form.current_code() == "CMP-ESCALATED"
    qtbot.keyClick(form.filter_edit, Qt.Key.Key_Down)  # stays on the last one
    qtbot.keyClick(form.filter_edit, Qt.Key.Key_Up)
    assert form.current_code() == "CMP-RESOLVED"
    qtbot.keyClick(form.filter_edit, Qt.Key.Key_Return)
    assert form.chosen_codes() == ("CMP-RESOLVED",)
    assert form.filter_edit.text() == ""  # ready to find the next code
    assert form.filter_edit.hasFocus()


def test_a_code_hotkey_toggles_it(qtbot: QtBot, form: WrapUpForm,
                                  code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    qtbot.keyClicks(form.filter_edit, "repair")  # the hotkey works even when filtered out
    qtbot.keyClick(form.filter_edit, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert form.chosen_codes() == ("INQ-PRODUCT",)
    assert "INQ-PRODUCT" in form.visible_codes()
    qtbot.keyClick(form.note_edit, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert form.chosen_codes() == ()


def test_ctrl_s_saves(qtbot: QtBot, form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    context = start(form, code_sets["service"])
    form.toggle_code("INQ-ACCOUNT")
    with qtbot.waitSignal(form.sig_saved, timeout=1000) as blocker:
        qtbot.keyClick(form.filter_edit, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wrapup, callback = blocker.args
    assert wrapup.codes == ("INQ-ACCOUNT",)
    assert wrapup.call_record_id == context.call_record_id
    assert wrapup.saved_at == T0
    assert callback is None
    assert form.finished and not form.save_button.isEnabled()


def test_several_codes_only_when_the_set_allows(
        form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    form.toggle_code("INQ-PRODUCT")
    form.toggle_code("FU-SURVEY")
    assert form.chosen_codes() == ("INQ-PRODUCT", "FU-SURVEY")
    start(form, code_sets["telesales"])
    form.toggle_code("TS-NO-ANSWER")
    form.toggle_code("TS-BUSY")
    assert form.chosen_codes() == ("TS-BUSY",)


# --- required fields --------------------------------------------------------------------


def test_note_and_amount_are_enforced_inline(qtbot: QtBot, form: WrapUpForm,
                                             code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    with qtbot.assertNotEmitted(form.sig_saved):
        assert not form.save()
    assert form.codes_message.isVisibleTo(form)
    assert "Choose a wrap-up code" in form.codes_message.text()
    form.toggle_code("AS-REFUND")
    assert not form.codes_message.isVisibleTo(form)  # messages follow the edits now
    assert "needs a note" in form.note_message.text()
    assert "“Refund or compensation granted” needs an amount" in form.amount_message.text()
    qtbot.keyClicks(form.amount_edit, "abc")
    assert "as a number" in form.amount_message.text()
    form.amount_edit.setText("-3")
    assert "above 0" in form.amount_message.text()
    form.amount_edit.setText("¥1,299.50")
    qtbot.keyClicks(form.note_edit, "screen cracked on arrival")
    assert not form.note_message.isVisibleTo(form)
    assert not form.amount_message.isVisibleTo(form)
    wrapup, _ = saved_with(qtbot, form)
    assert wrapup.amount == Decimal("1299.50")
    assert wrapup.note == "screen cracked on arrival"


def test_a_callback_code_ticks_the_callback_and_needs_its_fields(
        qtbot: QtBot, form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    form.toggle_code("FU-CALLBACK")
    assert form.callback_check.isChecked() and not form.callback_check.isEnabled()
    assert not form.save()
    text = form.callback_message.text()
    assert "must be in the future" in text  # the time starts at now
    assert "Write what was promised" in text


def test_callback_time_in_the_customers_zone_with_the_agents_alongside(
        qtbot: QtBot, form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    context = start(form, code_sets["service"], zone="America/New_York")
    form.toggle_code("FU-CALLBACK")
    assert form.zone_combo.currentText() == "America/New_York"
    form.callback_edit.setDateTime(QDateTime(QDate(2026, 11, 23), QTime(9, 0)))
    # 09:00 in New York (EST, UTC-5) is 22:00 in Shanghai
    assert form.agent_time_label.text() == "2026-11-23 22:00 (Asia/Shanghai)"
    form.owner_combo.setCurrentIndex(form.owner_combo.findData(CallbackOwner.TEAM))
    qtbot.keyClicks(form.callback_note_edit, "send the quote first")
    wrapup, callback = saved_with(qtbot, form)
    due = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert callback is not None
    assert callback.due_at == due
    assert callback.customer_timezone == "America/New_York"
    assert callback.owner is CallbackOwner.TEAM
    assert callback.note == "send the quote first"
    assert callback.customer_id == "C1"
    assert callback.call_record_id == context.call_record_id
    assert wrapup.callback_at == due


def test_an_unknown_callers_callback_is_made_to_the_calls_number(
        qtbot: QtBot, form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"], customer=None, number=None)
    form.toggle_code("FU-CALLBACK")
    form.callback_edit.setDateTime(QDateTime(QDate(2026, 11, 23), QTime(9, 0)))
    qtbot.keyClicks(form.callback_note_edit, "call back with the tariff")
    assert not form.save()  # a withheld number: nobody to call back
    assert "a caller's number to call back" in form.callback_message.text()
    context = start(form, code_sets["service"], customer=None, number="+8613800138000")
    form.toggle_code("FU-CALLBACK")
    form.callback_edit.setDateTime(QDateTime(QDate(2026, 11, 23), QTime(9, 0)))
    qtbot.keyClicks(form.callback_note_edit, "call back with the tariff")
    _, callback = saved_with(qtbot, form)
    assert callback is not None
    assert (callback.customer_id, callback.callback_number) == (None, "+8613800138000")
    assert callback.call_record_id == context.call_record_id


def promise(minutes: float) -> Callback:
    return Callback("C1", T0 + timedelta(minutes=minutes), "Asia/Shanghai", CallbackOwner.ME,
                    "quote", T0 - timedelta(days=1))


def test_a_due_callback_is_offered_ticked_and_kept_with_the_save(
        qtbot: QtBot, form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    due = promise(-3)
    context = start(form, code_sets["service"], open_callback=due)
    box = form.keep_callback_check
    assert box.isVisibleTo(form) and box.isChecked()
    assert "2026-11-22 15:57" in box.text()  # 07:57 UTC on the agent's Shanghai clock
    form.toggle_code("INQ-PRODUCT")
    heard: list[object] = []
    form.sig_saved.connect(lambda wrapup, _cb: heard.append(wrapup))
    form.sig_callback_kept.connect(heard.append)
    with qtbot.waitSignals([form.sig_saved, form.sig_callback_kept], order="strict",
                           timeout=1000):
        assert form.save()
    assert len(heard) == 2 and isinstance(heard[0], WrapUp)  # the wrap-up first
    update = heard[1]
    assert (update.callback_id, update.status, update.call_record_id, update.updated_at) == (
        due.id, CallbackState.DONE, context.call_record_id, T0)


def test_an_upcoming_callback_is_offered_unticked_and_unticked_is_not_kept(
        qtbot: QtBot, form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    assert not form.keep_callback_check.isVisibleTo(form)
    form.offer_callback(promise(120))  # found after the form opened
    assert form.keep_callback_check.isVisibleTo(form)
    assert not form.keep_callback_check.isChecked()
    form.toggle_code("INQ-PRODUCT")
    with qtbot.assertNotEmitted(form.sig_callback_kept, wait=50):
        saved_with(qtbot, form)
    start(form, code_sets["service"])  # the next call has no callback to keep
    assert not form.keep_callback_check.isVisibleTo(form)


def test_an_unknown_zone_is_refused(qtbot: QtBot, form: WrapUpForm,
                                    code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["orders"], zone=None)
    form.toggle_code("DLV-DELAY")
    form.zone_combo.setEditText("Mars/Base")
    assert form.agent_time_label.text() == "Choose the customer's time zone"
    assert not form.save()
    assert "Unknown time zone" in form.callback_message.text()


def test_dnc_is_signalled_with_the_customer(qtbot: QtBot, form: WrapUpForm,
                                            code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["telesales"], customer="C42")
    form.toggle_code("TS-DNC")
    with qtbot.waitSignal(form.sig_dnc_requested, timeout=1000) as blocker:
        saved_with(qtbot, form)
    assert blocker.args == ["C42"]


# --- prefill, drafts, re-open -----------------------------------------------------------


def test_prefill_from_the_script(form: WrapUpForm, code_sets: dict[str, CodeSet]) -> None:
    prefill = WrapUpPrefill(("TS-SALE",), "Plan: Family 199", Decimal("199.00"))
    start(form, code_sets["telesales"], prefill=prefill)
    assert form.chosen_codes() == ("TS-SALE",)
    assert form.note_edit.toPlainText() == "Plan: Family 199"
    assert form.amount_edit.text() == "199.00"
    assert "Sale" in form.chosen_label.text()


def test_drafts_are_offered_debounced_and_restored(qtbot: QtBot, form: WrapUpForm,
                                                   code_sets: dict[str, CodeSet]) -> None:
    start(form, code_sets["service"])
    with qtbot.waitSignal(form.sig_draft_changed, timeout=1000) as blocker:
        form.toggle_code("AS-REPAIR")
        qtbot.keyClicks(form.note_edit, "engineer Tue")
    draft = blocker.args[0]
    assert draft["codes"] == ["AS-REPAIR"]
    assert draft["note"] == "engineer Tue"
    # the app died; a new start restores the draft over the script's prefill
    start(form, code_sets["service"], prefill=WrapUpPrefill(("INQ-PRODUCT",)), draft=draft)
    assert form.chosen_codes() == ("AS-REPAIR",)
    assert form.note_edit.toPlainText() == "engineer Tue"


def test_restoring_is_not_itself_a_draft(qtbot: QtBot, form: WrapUpForm,
                                         code_sets: dict[str, CodeSet]) -> None:
    with qtbot.assertNotEmitted(form.sig_draft_changed, wait=100):
        start(form, code_sets["service"], draft={"codes": ["AS-REPAIR"], "note": "x"})


def test_reopen_records_a_new_wrapup(qtbot: QtBot, form: WrapUpForm, wall_clock: WallClock,
                                     code_sets: dict[str, CodeSet]) -> None:
    call = uuid4()
    auto = WrapUp(call, (AUTO_WRAP_CODE,), T0, note="half a note", auto_wrapped=True)
    wall_clock.advance(600)
    form.start(WrapUpContext(call, code_sets["service"], "C1", "Asia/Shanghai", reopens=auto))
    assert form.banner.isVisibleTo(form)
    assert form.chosen_codes() == ()
    assert form.note_edit.toPlainText() == "half a note"
    form.toggle_code("INQ-PRODUCT")
    wrapup, _ = saved_with(qtbot, form)
    assert wrapup.supersedes_id == auto.id and wrapup.id != auto.id


def test_reopen_after_the_window_is_refused(qtbot: QtBot, form: WrapUpForm,
                                            wall_clock: WallClock,
                                            code_sets: dict[str, CodeSet]) -> None:
    call = uuid4()
    first = WrapUp(call, ("INQ-PRODUCT",), T0)
    wall_clock.advance(31 * 60)
    form.start(WrapUpContext(call, code_sets["service"], "C1", "Asia/Shanghai",
                             reopens=first))
    with qtbot.assertNotEmitted(form.sig_saved):
        assert not form.save()
    assert "time to change this wrap-up is over" in form.codes_message.text()


def test_cancelling_a_reopen_keeps_the_saved_wrapup(qtbot: QtBot, form: WrapUpForm,
                                                   wall_clock: WallClock,
                                                   code_sets: dict[str, CodeSet]) -> None:
    first = WrapUp(uuid4(), ("INQ-PRODUCT",), T0)
    wall_clock.advance(60)
    start(form, code_sets["service"], reopens=first)
    assert form.reopening and form.cancel_button.isVisibleTo(form)
    assert not form.skip_button.isVisibleTo(form)
    form.toggle_code("INQ-PRODUCT")
    with qtbot.assertNotEmitted(form.sig_saved, wait=50), \
            qtbot.waitSignal(form.sig_reopen_cancelled, timeout=1000):
        qtbot.keyClick(form.note_edit, Qt.Key.Key_Escape)
    assert not form.reopening and form.finished
    start(form, code_sets["service"])  # an ACW wrap-up cannot be cancelled
    assert not form.cancel_button.isVisibleTo(form)
    with qtbot.assertNotEmitted(form.sig_reopen_cancelled, wait=50):
        form.cancel_reopen()
        qtbot.keyClick(form.note_edit, Qt.Key.Key_Escape)


# --- ACW ----------------------------------------------------------------------------------


def test_countdown_extend_once_then_auto_wrap(qtbot: QtBot, form: WrapUpForm,
                                              wall_clock: WallClock,
                                              code_sets: dict[str, CodeSet]) -> None:
    context_set = code_sets["service"]
    acw = AfterCallWork(context_set.acw, uuid4(), T0)
    form.start(WrapUpContext(acw.call_record_id, context_set, "C1", "Asia/Shanghai"), acw=acw)
    assert form.acw_label.text() == "ACW 1:00 left"
    wall_clock.advance(45)
    qtbot.waitUntil(lambda: form.acw_label.text() == "ACW 0:15 left", timeout=1000)
    assert form.extend_button.isEnabled()
    with qtbot.waitSignal(form.sig_acw_extended, timeout=1000):
        form.extend_button.click()
    assert form.acw_label.text() == "ACW 0:45 left"
    assert not form.extend_button.isEnabled()
    qtbot.keyClicks(form.note_edit, "asked about roaming")
    wall_clock.advance(45)
    with qtbot.waitSignal(form.sig_saved, timeout=1000) as blocker:
        pass
    wrapup, callback = blocker.args
    assert wrapup.auto_wrapped and wrapup.codes == (AUTO_WRAP_CODE,)
    assert wrapup.note == "asked about roaming"
    assert wrapup.saved_at == T0 + timedelta(seconds=90)
    assert callback is None
    assert "Auto-wrapped" in form.banner.text()
    assert form.finished and not form.save()


def test_mandatory_acw_shows_the_elapsed_time(qtbot: QtBot, form: WrapUpForm,
                                              wall_clock: WallClock,
                                              code_sets: dict[str, CodeSet]) -> None:
    acw = AfterCallWork(code_sets["telesales"].acw, uuid4(), T0)
    form.start(WrapUpContext(acw.call_record_id, code_sets["telesales"]), acw=acw)
    assert not form.extend_button.isVisibleTo(form)
    assert not form.skip_button.isVisibleTo(form)
    wall_clock.advance(125)
    qtbot.waitUntil(lambda: form.acw_label.text().startswith("ACW 2:05"), timeout=1000)
    form.toggle_code("TS-NOT-INTERESTED")
    saved_with(qtbot, form)
    assert acw.finished and not acw.blocks_next_call()


def test_optional_acw_can_be_skipped(qtbot: QtBot, form: WrapUpForm,
                                     code_sets: dict[str, CodeSet]) -> None:
    acw = AfterCallWork(AcwPolicy.from_document({"mode": "optional"}), uuid4(), T0)
    form.start(WrapUpContext(acw.call_record_id, code_sets["orders"]), acw=acw)
    assert form.skip_button.isVisibleTo(form)
    with qtbot.waitSignal(form.sig_skipped, timeout=1000):
        form.skip_button.click()
    assert form.finished


def test_the_reused_form_keeps_its_code_tree(form: WrapUpForm,
                                             code_sets: dict[str, CodeSet]) -> None:
    """What keeps the form quick to open after each call (bench/wrapup.py measures it):
    the tree of a code set is built once, and the next call only resets the ticks."""
    start(form, code_sets["service"])  # the first call builds the code tree
    built = [form.code_tree.topLevelItem(i) for i in range(form.code_tree.topLevelItemCount())]
    start(form, code_sets["service"], prefill=WrapUpPrefill(("INQ-PRODUCT",), "n"))
    again = [form.code_tree.topLevelItem(i) for i in range(form.code_tree.topLevelItemCount())]
    assert again == built and all(a is b for a, b in zip(again, built, strict=True))
    assert form.chosen_codes() == ("INQ-PRODUCT",)
