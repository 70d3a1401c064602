"""The desk around the call: the agent's state, after-call work and the wrap-up form,
drafts and their recovery after a crash, "My callbacks" and the personal dashboard.

It wires what the seat has (the call workflow, the store, the reference data) to the
widgets the main window shows, and keeps every store read and write on the seat's
store writer thread: results come back to the GUI thread through one queued signal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from PySide6.QtCore import QObject, Slot

from agentdesk.core.call_history import CallContext
from agentdesk.core.call_workflow import (
    AgentStatus,
    CallWorkflow,
    WrapUpFinished,
    WrapUpRequested,
)
from agentdesk.core.personal_figures import (
    FiguresPeriod,
    PersonalFigures,
    compute_figures,
    period_bounds,
)
from agentdesk.core.records import (
    Callback,
    CallbackOwner,
    CallRecord,
    LocalStore,
    WrapUp,
    WrapUpDraft,
)
from agentdesk.core.wrapup_codes import CodeSet
from agentdesk.core.wrapup_form_model import WrapUpContext, WrapUpPrefill, prefill_from_script
from agentdesk.desk_reference import DeskReference
from agentdesk.ui.agent_state_widget import AgentStateWidget
from agentdesk.ui.background_jobs import BackgroundJobs
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.callbacks_list import CallbacksList
from agentdesk.ui.dashboard import PersonalDashboard
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.wrapup_form import WrapUpForm

log = logging.getLogger(__name__)

RECOVERY_WINDOW = timedelta(days=2)  # calls older than this are not asked about again



class DeskController(QObject):
    def __init__(self, window: MainWindow, bridge: PhoneBridge, workflow: CallWorkflow,
                 store: LocalStore, reference: DeskReference,
                 run: Callable[[Callable[[], None]], object], *, language: str = "en",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(window)
        self._window = window
        self._workflow = workflow
        self._store = store
        self._reference = reference
        self._run = run
        self._clock = clock
        self._jobs = BackgroundJobs(run, self)
        self._requested: WrapUpRequested | None = None
        self._recovering: list[tuple[CallRecord, WrapUpDraft | None]] = []
        self._script_outcomes: dict[str, Any] = {}  # call id -> the script's outcome

        self.agent_state = AgentStateWidget(workflow.agent, window, language=language)
        self.wrapup_form = WrapUpForm(window, language=language)
        self.wrapup_form.setEnabled(False)
        self.callbacks = CallbacksList(window)
        self.dashboard = PersonalDashboard(window)

        bridge.sig_agent_status_changed.connect(self.on_workflow_status_changed)
        bridge.sig_wrapup_requested.connect(self.on_workflow_wrapup_requested)
        bridge.sig_wrapup_finished.connect(self.on_workflow_wrapup_finished)
        self.agent_state.sig_ready_requested.connect(self.on_agent_state_ready_requested)
        self.agent_state.sig_not_ready_requested.connect(self.on_agent_state_not_ready_requested)
        self.agent_state.sig_not_ready_after_call_requested.connect(
            self.on_agent_state_after_call_requested)
        self.wrapup_form.sig_saved.connect(self.on_wrapup_form_saved)
        self.wrapup_form.sig_skipped.connect(self.on_wrapup_form_skipped)
        self.wrapup_form.sig_draft_changed.connect(self.on_wrapup_form_draft_changed)
        self.callbacks.sig_callback_due.connect(self.on_callbacks_callback_due)
        self.dashboard.sig_period_changed.connect(lambda _p: self.refresh_figures())
        reference.sig_changed.connect(self.on_reference_changed)

    # -- start ------------------------------------------------------------------------
    def start(self) -> None:
        """After login: what the last run left unfinished, the callbacks and figures."""
        since = self._clock() - RECOVERY_WINDOW

        def unfinished() -> list[tuple[CallRecord, WrapUpDraft | None]]:
            drafts = {d.call_record_id: d for d in self._store.load_drafts()}
            return [(call, drafts.get(call.id))
                    for call in self._store.calls_without_wrapup(since)
                    if call.connected_at is not None]

        self._jobs.run(unfinished, self._on_unfinished_loaded)
        self.refresh_callbacks()
        self.refresh_figures()

    def _on_unfinished_loaded(self, calls: list[tuple[CallRecord, WrapUpDraft | None]]) -> None:
        self._recovering = calls
        if calls:
            self._window.statusBar().showMessage(
                self.tr("{count} call(s) from the last session still need a wrap-up.")
                .format(count=len(calls)), 15_000)
        self._next_recovery()

    def _next_recovery(self) -> None:
        """Ask the agent to finish what a crash interrupted, oldest first."""
        if self._requested is not None or not self._recovering:
            return
        call, draft = self._recovering[0]
        code_set = self._code_set_for_record(call)
        if code_set is None:
            self._recovering.pop(0)
            self._next_recovery()
            return
        self.wrapup_form.start(WrapUpContext(call.id, code_set, call.customer_id),
                               draft=draft.fields if draft else None)
        self._window.show_wrapup(True)

    def _code_set_for_record(self, call: CallRecord) -> CodeSet | None:
        return self._reference.code_set_for(CallContext(queue=call.queue,
                                                        campaign_id=call.campaign_id))

    # -- the agent's state ------------------------------------------------------------
    @Slot(object)
    def on_workflow_status_changed(self, _status: AgentStatus) -> None:
        self.agent_state.refresh()

    def _safely(self, action: Callable[[], None]) -> None:
        try:
            action()
        except ValueError as exc:  # IllegalTransitionError and bad input alike
            self._window.statusBar().showMessage(str(exc), 8_000)
        self.agent_state.refresh()

    @Slot()
    def on_agent_state_ready_requested(self) -> None:
        self._safely(self._workflow.set_ready)

    @Slot(str)
    def on_agent_state_not_ready_requested(self, reason: str) -> None:
        self._safely(lambda: self._workflow.set_not_ready(reason))

    @Slot(object)
    def on_agent_state_after_call_requested(self, reason: str | None) -> None:
        self._safely(lambda: self._workflow.request_not_ready_after_call(reason))

    # -- after-call work and the wrap-up ----------------------------------------------
    def set_script_outcome(self, call_id: str, outcome: Any) -> None:
        """The script panel's outcome for a call: it pre-fills that call's wrap-up."""
        self._script_outcomes[call_id] = outcome

    @Slot(object)
    def on_workflow_wrapup_requested(self, requested: WrapUpRequested) -> None:
        self.agent_state.set_after_call_work(requested.acw)
        code_set = self._reference.code_set_for(requested.context)
        outcome = self._script_outcomes.pop(requested.record.call_id, None)
        if code_set is None:
            # No code set reaches this call: ACW is optional and there is nothing to pick.
            self._window.statusBar().showMessage(
                self.tr("No wrap-up codes are set up for this call."), 8_000)
            return
        prefill = WrapUpPrefill()
        if outcome is not None:
            try:
                prefill = prefill_from_script(outcome, code_set, self._clock())
            except Exception:
                log.exception("the script outcome could not pre-fill the wrap-up")
        self._requested = requested
        self.wrapup_form.start(
            WrapUpContext(requested.record.id, code_set, requested.record.customer_id),
            acw=requested.acw, prefill=prefill)
        self._window.show_wrapup(True)

    @Slot(object)
    def on_workflow_wrapup_finished(self, finished: WrapUpFinished) -> None:
        self.agent_state.set_after_call_work(None)
        if self._requested is not None \
                and self._requested.record.id == finished.call_record_id:
            self._requested = None
            self._window.show_wrapup(False)
        self.refresh_figures()
        self._next_recovery()

    @Slot(object, object)
    def on_wrapup_form_saved(self, wrapup: WrapUp, callback: Callback | None) -> None:
        try:
            self._workflow.save_wrapup(wrapup, callback)
        except Exception as exc:  # the form keeps what the agent typed
            log.exception("the wrap-up could not be saved")
            self._window.statusBar().showMessage(str(exc), 10_000)
            return
        if self._recovering and self._recovering[0][0].id == wrapup.call_record_id:
            self._recovering.pop(0)
            self._window.show_wrapup(False)
            self._next_recovery()
        if callback is not None:
            self.refresh_callbacks()
        self.refresh_figures()

    @Slot()
    def on_wrapup_form_skipped(self) -> None:
        self._safely(self._workflow.skip_wrapup)

    @Slot(dict)
    def on_wrapup_form_draft_changed(self, fields: dict[str, Any]) -> None:
        record_id = self.wrapup_form.call_record_id
        if record_id is None or self.wrapup_form.finished:
            return
        draft = WrapUpDraft(record_id, fields, self._clock())
        self._run(lambda: self._save_draft(draft))

    def _save_draft(self, draft: WrapUpDraft) -> None:
        try:
            self._store.save_draft(draft)
        except Exception:
            log.exception("could not save the wrap-up draft")

    def draft_note(self, record_id: UUID) -> str:
        """The note typed so far: kept when ACW runs out and the call is auto-wrapped."""
        if self.wrapup_form.call_record_id == record_id:
            return self.wrapup_form.fields().note.strip()
        return ""

    # -- callbacks and figures --------------------------------------------------------
    def refresh_callbacks(self) -> None:
        def mine() -> list[Callback]:
            return self._store.list_callbacks(owner_filter=(CallbackOwner.ME,
                                                            CallbackOwner.TEAM))
        self._jobs.run(mine, self.callbacks.set_callbacks)

    @Slot(object)
    def on_callbacks_callback_due(self, callback: Callback) -> None:
        local = callback.due_at.astimezone()
        message = self.tr("A promised callback is due at {time}.").format(
            time=local.strftime("%H:%M"))
        self._window.tray.notify(self.tr("Callback due"), message)
        self._window.statusBar().showMessage(message, 30_000)

    def refresh_figures(self) -> None:
        period: FiguresPeriod = self.dashboard.period()
        local_now = datetime.now().astimezone()
        flags = {code.code: {flag.value for flag in code.flags}
                 for code_set in self._reference.data.code_sets for code in code_set.codes}
        open_interval = self._workflow.agent.current_interval()

        def figures() -> PersonalFigures:
            start, end = period_bounds(period, local_now)
            calls = self._store.call_records_between(start, end)
            wrapups = self._store.wrapups_for_calls([c.id for c in calls])
            states = [*self._store.agent_state_changes_between(start, end), open_interval]
            return compute_figures(calls, wrapups, states, lambda c: flags.get(c, ()),
                                   start, end, now=local_now)

        self._jobs.run(figures, self.dashboard.show_figures)

    @Slot()
    def on_reference_changed(self) -> None:
        self.agent_state.set_reasons(self._reference.data.not_ready_reasons)
        self.refresh_figures()
        self._next_recovery()
