"""The desk around a call, on a fake phone and a real local store: the hang-up opens
the wrap-up form in after-call work, the typed draft is saved as the agent types, a
restart brings the unfinished wrap-up back, and saving it makes the agent ready."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from agentdesk.core.agent_state import AgentState, AgentStateMachine
from agentdesk.core.call_history import CallHistory
from agentdesk.core.call_service import CallService
from agentdesk.core.call_workflow import CallWorkflow
from agentdesk.core.records import ReferenceChange
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


class Desk:
    """A seat without SIP: the same pieces app.Seat wires, in the same order."""

    def __init__(self, qtbot: QtBot, data_dir: Path) -> None:
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
                                   self.reference, self.writer.submit)
        self.workflow.read_draft_note_with(self.desk.draft_note)
        self.window.set_workspace(wrapup=self.desk.wrapup_form,
                                  agent_state=self.desk.agent_state,
                                  side=((self.desk.dashboard, "figures"),
                                        (self.desk.callbacks, "callbacks")))
        self.workflow.login()

    def _record_wrapup(self, wrapup, callback) -> None:
        self.writer.submit(self.store.save_wrapup, wrapup)

    def close(self) -> None:
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
