"""The desk around a call, on a fake phone and a real local store: the hang-up opens
the wrap-up form in after-call work, the typed draft is saved as the agent types, a
restart brings the unfinished wrap-up back, and saving it makes the agent ready; a
saved wrap-up is changed from Recent calls without moving the agent; callbacks are
closed from My callbacks or kept by a call, and an unknown caller's goes to the
number."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt
from pytestqt.qtbot import QtBot

from agentdesk.core.agent_state import AgentState, AgentStateMachine
from agentdesk.core.call_history import CallHistory
from agentdesk.core.call_service import CallService
from agentdesk.core.call_workflow import CallWorkflow
from agentdesk.core.records import (
    Callback,
    CallbackOwner,
    CallbackState,
    RecordKind,
    ReferenceChange,
)
from agentdesk.core.settings import PhoneSettings, Settings
from agentdesk.core.wrapup_codes import parse_code_file
from agentdesk.desk_controller import DeskController
from agentdesk.desk_reference import DeskReference
from agentdesk.store import open_store
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.qt_scheduler import QtScheduler
from tests.fakes.softphone import FakeSoftphone
from tests.ui.conftest import MACHINE_MESSAGES

pytestmark = pytest.mark.qt_log_ignore(*MACHINE_MESSAGES)


def _now() -> datetime:
    return datetime.now(UTC)


class FakeClock:
    """The desk's clock, moved by hand (the phone's timestamps stay real)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Desk:
    """A seat without SIP: the same pieces app.Seat wires, in the same order."""

    def __init__(self, qtbot: QtBot, data_dir: Path, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock()
        self.saved_notices = 0
        self.store = open_store(data_dir)
        self.writer = ThreadPoolExecutor(max_workers=1)
        self.phone = FakeSoftphone(registrar=False)
        self.phone.start()
        self.scheduler = QtScheduler()
        self.calls = CallService(self.phone, PhoneSettings(), self.scheduler.schedule)
        self.bridge = PhoneBridge(self.calls)
        self.reference = DeskReference(self.store, self.writer.submit)
        with qtbot.waitSignal(self.reference.sig_changed, timeout=5000):
            self.reference.refresh()
        self.agent = AgentStateMachine(_now, ready_on_login=True)
        self.workflow = CallWorkflow(
            self.calls, self.agent, clock=_now, schedule=self.scheduler.schedule,
            record_state=lambda c: self.writer.submit(self.store.save_agent_state_change, c),
            record_wrapup=self._record_wrapup, acw_policy_for=self.reference.acw_policy_for,
            queue="service")
        self.bridge.attach_workflow(self.workflow)
        self.history = CallHistory(self.store, run=self.writer.submit,
                                   call_context=self.workflow.call_context,
                                   on_recorded=self.workflow.on_call_recorded)
        self.calls.subscribe(self.history.on_phone_event)
        self.window = MainWindow(self.calls, self.bridge, Settings(), tray_available=False)
        qtbot.addWidget(self.window)
        self.desk = DeskController(self.window, self.bridge, self.workflow, self.store,
                                   self.reference, self.writer.submit, clock=self.clock,
                                   on_saved=self._on_saved)
        self.workflow.read_draft_note_with(self.desk.draft_note)
        self.window.set_workspace(wrapup=self.desk.wrapup_form,
                                  agent_state=self.desk.agent_state,
                                  side=((self.desk.dashboard, "figures"),
                                        (self.desk.recent_calls, "recent calls"),
                                        (self.desk.callbacks, "callbacks")))
        self.workflow.login()

    def _record_wrapup(self, wrapup, callback) -> None:
        def write() -> None:  # as app.Seat does: the wrap-up durably, then its callback
            self.store.save_wrapup(wrapup)
            if callback is not None:
                self.store.save_callback(callback)
        self.writer.submit(write)

    def _on_saved(self) -> None:
        self.saved_notices += 1

    def drain(self) -> None:
        """Wait until the writer thread has done what was queued so far."""
        self.writer.submit(lambda: None).result(timeout=5)

    def wrap_up_a_call(self, qtbot: QtBot, code: str = "INQ-PRODUCT",
                       number: str = "+8613800138000"):
        call_id = self.phone.incoming_call(number)
        self.calls.answer(call_id)
        with qtbot.waitSignal(self.bridge.sig_wrapup_requested, timeout=5000) as requested:
            self.phone.remote_hangup(call_id)
        record = requested.args[0].record
        self.desk.wrapup_form.toggle_code(code)
        with qtbot.waitSignal(self.bridge.sig_wrapup_finished, timeout=5000):
            assert self.desk.wrapup_form.save()
        return record

    def close(self) -> None:
        self.desk.stop()
        self.writer.shutdown(wait=True)
        self.scheduler.cancel_all()
        self.store.close()


def seed_codes(data_dir: Path) -> None:
    text = (resources.files("agentdesk") / "resources/demo/codes.yaml").read_text("utf-8")
    codes = parse_code_file(text, "codes.yaml")
    store = open_store(data_dir)
    store.apply_reference_changes(
        [ReferenceChange("wrapup_code_set", s.id, s.to_document()) for s in codes.code_sets]
        + [ReferenceChange("not_ready_reason", r.code, r.to_document())
           for r in codes.not_ready_reasons], [], cursor=1)
    store.close()


def test_hang_up_opens_the_form_and_a_restart_restores_the_draft(
        qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    first = Desk(qtbot, tmp_path)
    try:
        call_id = first.phone.incoming_call()
        first.calls.answer(call_id)
        with qtbot.waitSignal(first.bridge.sig_wrapup_requested, timeout=5000) as requested:
            first.phone.remote_hangup(call_id)
        record_id = requested.args[0].record.id
        form = first.desk.wrapup_form
        assert form.isVisibleTo(first.window) and form.call_record_id == record_id
        assert first.agent.state is AgentState.AFTER_CALL_WORK
        assert "left" in form.acw_label.text()  # the service queue's ACW counts down
        form.toggle_code("AS-REPAIR")
        form.note_edit.setPlainText("engineer booked for Tuesday")
        qtbot.waitUntil(lambda: any(d.call_record_id == record_id
                                    and "Tuesday" in str(d.fields)
                                    for d in first.store.load_drafts()), timeout=5000)
    finally:
        first.close()  # the app is killed in ACW: no wrap-up was saved

    second = Desk(qtbot, tmp_path)
    try:
        form = second.desk.wrapup_form
        second.desk.start()
        qtbot.waitUntil(lambda: form.call_record_id == record_id, timeout=5000)
        assert form.note_edit.toPlainText() == "engineer booked for Tuesday"
        assert form.chosen_codes() == ("AS-REPAIR",)
        # the agent is told which call this is: not the one that just ended
        assert form.banner.isVisibleTo(form)
        assert "138 0013 8000" in form.banner.text() and "1 left" in form.banner.text()
        with qtbot.waitSignal(form.sig_saved, timeout=5000):
            assert form.save()
        qtbot.waitUntil(lambda: second.store.latest_wrapup_for_call(record_id) is not None,
                        timeout=5000)
        saved = second.store.latest_wrapup_for_call(record_id)
        assert saved.codes == ("AS-REPAIR",) and not saved.auto_wrapped
        assert second.store.load_drafts() == []  # the draft goes with the saved wrap-up
        assert not form.isVisibleTo(second.window)
        assert second.agent.state is AgentState.READY
    finally:
        second.close()


def test_saving_in_acw_makes_the_agent_ready_and_the_dashboard_moves(
        qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    desk = Desk(qtbot, tmp_path)
    try:
        desk.desk.start()
        call_id = desk.phone.incoming_call()
        desk.calls.answer(call_id)
        with qtbot.waitSignal(desk.bridge.sig_wrapup_requested, timeout=5000):
            desk.phone.remote_hangup(call_id)
        form = desk.desk.wrapup_form
        form.toggle_code("INQ-PRODUCT")
        with qtbot.waitSignal(desk.bridge.sig_wrapup_finished, timeout=5000):
            assert form.save()
        assert desk.agent.state is AgentState.READY
        assert not form.isVisibleTo(desk.window)
        tile = desk.desk.dashboard
        qtbot.waitUntil(lambda: tile.outcome_slices() != [], timeout=5000)
        assert dict(tile.outcome_slices()).get("INQ-PRODUCT") == 1
    finally:
        desk.close()


# --- re-opening a saved wrap-up from Recent calls -------------------------------------


def current_of(desk: Desk, record_id):
    for call in desk.desk.recent_calls.calls():
        if call.record.id == record_id:
            return call.current
    return None


def test_a_wrap_up_changed_in_the_window_supersedes_the_old_and_leaves_the_state(
        qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    desk = Desk(qtbot, tmp_path)
    try:
        desk.desk.start()
        record = desk.wrap_up_a_call(qtbot)
        recent = desk.desk.recent_calls
        qtbot.waitUntil(lambda: current_of(desk, record.id) is not None, timeout=5000)
        first = current_of(desk, record.id)
        assert first.codes == ("INQ-PRODUCT",)
        assert recent.calls()[0].record.id == record.id  # newest first
        desk.clock.advance(10 * 60)
        recent.tree.setCurrentItem(recent.tree.topLevelItem(0))
        assert recent.reopen_button.isEnabled()
        qtbot.mouseClick(recent.reopen_button, Qt.MouseButton.LeftButton)
        form = desk.desk.wrapup_form
        assert form.reopening and form.isVisibleTo(desk.window)
        assert form.chosen_codes() == ("INQ-PRODUCT",)  # it starts from what was saved
        form.note_edit.setPlainText("half typed")
        desk.desk.on_recent_calls_reopen_requested(recent.calls()[0])  # asked twice
        assert form.note_edit.toPlainText() == "half typed"  # the open change is kept
        form.toggle_code("AS-REPAIR")
        form.note_edit.setPlainText("engineer booked for Tuesday")
        desk.drain()
        states_before = desk.store.agent_state_changes_between(
            desk.clock.now - timedelta(days=1), desk.clock.now + timedelta(days=1))
        with qtbot.assertNotEmitted(desk.bridge.sig_agent_status_changed, wait=100), \
                qtbot.assertNotEmitted(desk.bridge.sig_wrapup_finished):
            assert form.save()
        qtbot.waitUntil(lambda: current_of(desk, record.id) is not None
                        and current_of(desk, record.id).id != first.id, timeout=5000)
        changed = desk.store.latest_wrapup_for_call(record.id)
        assert changed.supersedes_id == first.id
        assert changed.codes == ("INQ-PRODUCT", "AS-REPAIR")
        assert desk.store.get_wrapup(first.id) == first  # kept, not overwritten
        assert [w.id for w in desk.store.wrapups_for_calls([record.id])] == [
            first.id, changed.id]
        assert desk.store.pending_count(RecordKind.WRAPUP) == 2  # both queued for sync
        assert desk.agent.state is AgentState.READY
        assert desk.store.agent_state_changes_between(
            desk.clock.now - timedelta(days=1),
            desk.clock.now + timedelta(days=1)) == states_before
        assert not form.isVisibleTo(desk.window)
        assert recent.row_texts(0)[4].endswith("(changed)")
        assert desk.store.load_drafts() == []
    finally:
        desk.close()


def test_a_change_after_the_window_is_refused_with_the_reason(
        qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    desk = Desk(qtbot, tmp_path)
    try:
        desk.desk.start()
        record = desk.wrap_up_a_call(qtbot)
        recent = desk.desk.recent_calls
        qtbot.waitUntil(lambda: current_of(desk, record.id) is not None, timeout=5000)
        desk.clock.advance(31 * 60)  # the service set allows 30 minutes
        recent.tree.setCurrentItem(recent.tree.topLevelItem(0))
        assert not recent.reopen_button.isEnabled()
        assert recent.reason_label.text().startswith("The time to change it ended at")
        desk.desk.on_recent_calls_reopen_requested(recent.calls()[0])  # asked anyway
        assert not desk.desk.wrapup_form.reopening
        assert "can no longer be changed" in desk.window.statusBar().currentMessage()
        desk.drain()
        assert len(desk.store.wrapups_for_calls([record.id])) == 1
        assert desk.agent.state is AgentState.READY
    finally:
        desk.close()


def test_no_change_while_the_agent_is_on_a_call(qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    desk = Desk(qtbot, tmp_path)
    try:
        desk.desk.start()
        record = desk.wrap_up_a_call(qtbot)
        recent = desk.desk.recent_calls
        qtbot.waitUntil(lambda: current_of(desk, record.id) is not None, timeout=5000)
        recent.tree.setCurrentItem(recent.tree.topLevelItem(0))
        assert recent.reopen_button.isEnabled()
        call_id = desk.phone.incoming_call()
        desk.calls.answer(call_id)
        qtbot.waitUntil(lambda: not recent.reopen_button.isEnabled(), timeout=5000)
        assert recent.reason_label.text() == "Not during a call."
        desk.desk.on_recent_calls_reopen_requested(
            next(c for c in recent.calls() if c.record.id == record.id))
        assert not desk.desk.wrapup_form.reopening
        assert desk.agent.state is AgentState.TALKING
    finally:
        desk.close()


# --- callbacks --------------------------------------------------------------------------


def promise(desk: Desk, minutes: float, *, customer: str | None = "C-1001",
            number: str | None = None) -> Callback:
    callback = Callback(customer, desk.clock.now + timedelta(minutes=minutes),
                        "Asia/Shanghai", CallbackOwner.ME, "send the quote",
                        desk.clock.now - timedelta(days=1), callback_number=number)
    desk.store.save_callback(callback)
    return callback


def update_payloads(desk: Desk) -> list[dict]:
    return [dict(item.payload) for item in desk.store.pending_outbox(100)
            if item.kind is RecordKind.CALLBACK_UPDATE]


def test_done_and_cancel_write_one_update_each_and_queue_it(
        qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    desk = Desk(qtbot, tmp_path)
    try:
        kept, dropped = promise(desk, 30), promise(desk, 90)
        desk.desk.start()
        listing = desk.desk.callbacks
        qtbot.waitUntil(lambda: len(listing.callbacks()) == 2, timeout=5000)
        listing.tree.setCurrentItem(listing.tree.topLevelItem(0))
        qtbot.mouseClick(listing.done_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: desk.store.callback_state(kept.id) is CallbackState.DONE,
                        timeout=5000)
        assert [c.id for c in listing.callbacks()] == [dropped.id]
        listing.tree.setCurrentItem(listing.tree.topLevelItem(0))
        listing.ask_cancel_reason()
        listing.reason_edit.setText("bought in the shop")
        listing.confirm_cancel()
        qtbot.waitUntil(
            lambda: desk.store.callback_state(dropped.id) is CallbackState.CANCELLED,
            timeout=5000)
        desk.drain()
        updates = update_payloads(desk)
        assert [(u["callback_id"], u["status"], u["note"]) for u in updates] == [
            (str(kept.id), "done", ""), (str(dropped.id), "cancelled", "bought in the shop")]
        assert desk.saved_notices == 2  # sync hears of each
        assert desk.store.list_callbacks() == []
        desk.desk.refresh_callbacks()  # a refresh does not bring them back
        desk.drain()
        qtbot.wait(50)
        assert listing.callbacks() == []
    finally:
        desk.close()


def test_an_unknown_callers_callback_is_saved_with_the_number(
        qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    desk = Desk(qtbot, tmp_path)
    try:
        desk.desk.start()
        call_id = desk.phone.incoming_call("+8613912345678")  # no customer file
        desk.calls.answer(call_id)
        with qtbot.waitSignal(desk.bridge.sig_wrapup_requested, timeout=5000) as requested:
            desk.phone.remote_hangup(call_id)
        record = requested.args[0].record
        assert record.customer_id is None
        form = desk.desk.wrapup_form
        form.toggle_code("FU-CALLBACK")
        form.zone_combo.setCurrentText("Asia/Shanghai")
        later = QDateTime.currentDateTime().addDays(1)
        form.callback_edit.setDateTime(later)
        form.callback_note_edit.setText("call back with the new tariff")
        with qtbot.waitSignal(desk.bridge.sig_wrapup_finished, timeout=5000):
            assert form.save()
        qtbot.waitUntil(lambda: len(desk.desk.callbacks.callbacks()) == 1, timeout=5000)
        saved = desk.store.list_callbacks()
        assert [(c.customer_id, c.callback_number, c.call_record_id) for c in saved] == [
            (None, "+8613912345678", record.id)]
        row = desk.desk.callbacks.tree.topLevelItem(0)
        assert row.text(2) == "Caller 139 1234 5678"
        with qtbot.waitSignal(desk.desk.callbacks.sig_callback_activated,
                              timeout=1000) as activated:
            desk.desk.callbacks.tree.itemActivated.emit(row, 0)
        assert activated.args[0].callback_number == "+8613912345678"
    finally:
        desk.close()


def test_a_call_from_the_promised_number_offers_to_mark_the_callback_done(
        qtbot: QtBot, tmp_path: Path) -> None:
    seed_codes(tmp_path)
    desk = Desk(qtbot, tmp_path)
    try:
        due = promise(desk, -2, customer=None, number="+8613912345678")
        later = promise(desk, 600, customer=None, number="+8613700000000")
        desk.desk.start()
        call_id = desk.phone.incoming_call("+8613912345678")
        desk.calls.answer(call_id)
        with qtbot.waitSignal(desk.bridge.sig_wrapup_requested, timeout=5000) as requested:
            desk.phone.remote_hangup(call_id)
        record = requested.args[0].record
        form = desk.desk.wrapup_form
        qtbot.waitUntil(lambda: form.keep_callback_check.isVisibleTo(form), timeout=5000)
        assert form.keep_callback_check.isChecked()  # it is due: ticked
        form.toggle_code("INQ-PRODUCT")
        with qtbot.waitSignal(desk.bridge.sig_wrapup_finished, timeout=5000):
            assert form.save()
        qtbot.waitUntil(lambda: desk.store.callback_state(due.id) is CallbackState.DONE,
                        timeout=5000)
        desk.drain()
        assert [(u["callback_id"], u["call_record_id"]) for u in update_payloads(desk)] == [
            (str(due.id), str(record.id))]
        assert desk.store.callback_state(later.id) is CallbackState.OPEN
        assert [c.id for c in desk.desk.callbacks.callbacks()] == [later.id]
    finally:
        desk.close()
