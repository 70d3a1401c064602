"""The desk around the call: the agent's state, after-call work and the wrap-up form,
drafts and their recovery after a crash, "My callbacks", "Recent calls" (the way
back into a saved wrap-up) and the personal dashboard.

It wires what the seat has (the call workflow, the store, the reference data) to the
widgets the main window shows, and keeps every store read and write on the seat's
store writer thread: results come back to the GUI thread through one queued signal.

A re-opened wrap-up (Recent calls -> Change wrap-up) is saved as a new wrap-up that
supersedes the old one, durably, on the writer thread - and it is not after-call
work: the agent's state does not move. Callbacks closed in "My callbacks" or kept by
a call (the wrap-up form's box) are written as CallbackUpdates the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from PySide6.QtCore import QObject, QTimer, Slot

from agentdesk.core.call_history import CallContext
from agentdesk.core.call_workflow import (
    AgentStatus,
    CallWorkflow,
    WrapUpFinished,
    WrapUpRequested,
)
from agentdesk.core.callbacks import callback_kept_by_call
from agentdesk.core.customer_directory import Customer, CustomerDocumentError
from agentdesk.core.personal_figures import (
    FiguresPeriod,
    PersonalFigures,
    compute_figures,
    current_wrapups,
    period_bounds,
)
from agentdesk.core.records import (
    E164,
    Callback,
    CallbackOwner,
    CallbackState,
    CallbackUpdate,
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
from agentdesk.ui.display_text import display_number
from agentdesk.ui.main_window import MainWindow
from agentdesk.ui.recent_calls import RecentCall, RecentCallsList
from agentdesk.ui.wrapup_form import WrapUpForm

log = logging.getLogger(__name__)

RECOVERY_WINDOW = timedelta(days=2)  # calls older than this are not asked about again
RECENT_REFRESH_MS = 250  # after a call or a save: lets the record's write go first
CUSTOMER_KIND = "customer"


def callback_number(record: CallRecord) -> str | None:
    """The number an unknown caller can be called back on: only a dialable E.164."""
    number = record.remote_number
    return number if number and E164.fullmatch(number) else None



class DeskController(QObject):
    def __init__(self, window: MainWindow, bridge: PhoneBridge, workflow: CallWorkflow,
                 store: LocalStore, reference: DeskReference,
                 run: Callable[[Callable[[], None]], object], *, language: str = "en",
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 region: str = "CN",
                 on_saved: Callable[[], None] = lambda: None) -> None:
        """`run` puts store work on the seat's writer thread; `on_saved` is called
        there after a record this desk wrote (a callback update) so sync pushes it."""
        super().__init__(window)
        self._window = window
        self._workflow = workflow
        self._store = store
        self._reference = reference
        self._run = run
        self._clock = clock
        self._on_saved = on_saved
        self._jobs = BackgroundJobs(run, self)
        self._requested: WrapUpRequested | None = None
        self._recovering: list[tuple[CallRecord, WrapUpDraft | None]] = []
        self._script_outcomes: dict[str, Any] = {}  # call id -> the script's outcome

        self.agent_state = AgentStateWidget(workflow.agent, window, language=language)
        self.wrapup_form = WrapUpForm(window, language=language, clock=clock)
        self.wrapup_form.setEnabled(False)
        self._region = region
        self.callbacks = CallbacksList(window, region=region, clock=clock)
        self.recent_calls = RecentCallsList(window, region=region, language=language,
                                            clock=clock)
        self.dashboard = PersonalDashboard(window)
        self._recent_timer = QTimer(self)
        self._recent_timer.setSingleShot(True)
        self._recent_timer.setInterval(RECENT_REFRESH_MS)
        self._recent_timer.timeout.connect(self.refresh_recent_calls)

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
        self.wrapup_form.sig_reopen_cancelled.connect(self.on_wrapup_form_reopen_cancelled)
        self.wrapup_form.sig_callback_kept.connect(self.on_callback_closed)
        self.callbacks.sig_callback_due.connect(self.on_callbacks_callback_due)
        self.callbacks.sig_callback_closed.connect(self.on_callback_closed)
        self.recent_calls.sig_reopen_requested.connect(self.on_recent_calls_reopen_requested)
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
        self.refresh_recent_calls()

    def stop(self) -> None:
        """Before the store writer shuts down: no refresh is queued after this."""
        self._recent_timer.stop()
        self._recent_timer.timeout.disconnect(self.refresh_recent_calls)

    def _on_unfinished_loaded(self, calls: list[tuple[CallRecord, WrapUpDraft | None]]) -> None:
        self._recovering = calls
        if calls:
            self._window.statusBar().showMessage(
                self.tr("{count} call(s) from the last session still need a wrap-up.")
                .format(count=len(calls)), 15_000)
        self._next_recovery()

    def _next_recovery(self) -> None:
        """Ask the agent to finish what a crash interrupted, oldest first."""
        if self._requested is not None or not self._recovering \
                or self.wrapup_form.reopening:
            return
        call, draft = self._recovering[0]
        code_set = self._code_set_for_record(call)
        if code_set is None:
            self._recovering.pop(0)
            self._next_recovery()
            return
        self.wrapup_form.start(WrapUpContext(call.id, code_set, call.customer_id,
                                             callback_number=callback_number(call)),
                               draft=draft.fields if draft else None)
        # Not the call that just ended: say which one, and how many are left.
        self.wrapup_form.show_notice(self.tr(
            "Unfinished when agentdesk stopped: the call with {number} at {time} "
            "({left} left to wrap up).").format(
                number=display_number(call.remote_number, self._region),
                time=call.started_at.astimezone().strftime("%H:%M"),
                left=len(self._recovering)))
        self._offer_open_callback(call)
        self._window.show_wrapup(True)

    def _code_set_for_record(self, call: CallRecord) -> CodeSet | None:
        return self._reference.code_set_for(CallContext(queue=call.queue,
                                                        campaign_id=call.campaign_id))

    # -- the agent's state ------------------------------------------------------------
    @Slot(object)
    def on_workflow_status_changed(self, _status: AgentStatus) -> None:
        self.agent_state.refresh()
        self.recent_calls.set_busy(self._workflow.reopen_blocked_by())
        self._recent_timer.start()  # a call came or went: the list moves

    def _safely(self, action: Callable[[], None]) -> None:
        try:
            action()
        except ValueError as exc:  # IllegalTransitionError and bad input alike
            self._window.statusBar().showMessage(str(exc), 8_000)
        self.agent_state.refresh()
        self.recent_calls.set_busy(self._workflow.reopen_blocked_by())

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
        if self.wrapup_form.reopening:
            # The call's own wrap-up comes first; the earlier one stays as it was saved.
            self._window.statusBar().showMessage(
                self.tr("The change of the earlier wrap-up was not saved."), 8_000)
        self._requested = requested
        record = requested.record
        self.wrapup_form.start(
            WrapUpContext(record.id, code_set, record.customer_id,
                          callback_number=callback_number(record)),
            acw=requested.acw, prefill=prefill)
        self._window.show_wrapup(True)
        self._offer_open_callback(record)

    def _offer_open_callback(self, record: CallRecord) -> None:
        """Look up (off the GUI thread) the open callback this call may keep; the form
        offers it once found, if it still shows this call."""
        customer_id, number = record.customer_id, callback_number(record)
        if not customer_id and not number:
            return

        def find() -> Callback | None:
            return callback_kept_by_call(self._store.list_callbacks(),
                                         customer_id=customer_id, number=number)

        def offer(callback: Callback | None) -> None:
            if callback is not None and self.wrapup_form.call_record_id == record.id:
                self.wrapup_form.offer_callback(callback)

        self._jobs.run(find, offer)

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
        if wrapup.supersedes_id is not None:
            self._save_reopened(wrapup, callback)
            return
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
        self._recent_timer.start()

    # -- re-opening a saved wrap-up ---------------------------------------------------
    @Slot(object)
    def on_recent_calls_reopen_requested(self, call: RecentCall) -> None:
        """Open the form in re-open mode on an earlier call's current wrap-up."""
        blocked = self._workflow.reopen_blocked_by()
        status = call.reopen_status(self._clock())
        if blocked is not None or self._requested is not None or call.code_set is None:
            self._window.statusBar().showMessage(
                self.tr("Finish the current call and its wrap-up first."), 8_000)
            self.recent_calls.set_busy(blocked)
            return
        if not self.wrapup_form.finished:  # a restored or re-opened wrap-up is open
            self._window.statusBar().showMessage(
                self.tr("Save or cancel the wrap-up that is open first."), 8_000)
            return
        if not status.allowed or call.current is None:
            self._window.statusBar().showMessage(
                self.tr("This wrap-up can no longer be changed."), 8_000)
            return
        record = call.record
        self.wrapup_form.start(WrapUpContext(record.id, call.code_set, record.customer_id,
                                             reopens=call.current,
                                             callback_number=callback_number(record)))
        self._window.show_wrapup(True)

    def _save_reopened(self, wrapup: WrapUp, callback: Callback | None) -> None:
        try:
            self._workflow.save_reopened_wrapup(wrapup, callback)
        except Exception as exc:  # e.g. a call's ACW began: the form says what failed
            log.exception("the changed wrap-up could not be saved")
            self._window.statusBar().showMessage(str(exc), 10_000)
            return
        self._window.show_wrapup(False)
        self._window.statusBar().showMessage(
            self.tr("The wrap-up was changed; the earlier one stays on record."), 8_000)
        if callback is not None:
            self.refresh_callbacks()
        self.refresh_figures()
        self.refresh_recent_calls()
        self._next_recovery()

    @Slot()
    def on_wrapup_form_reopen_cancelled(self) -> None:
        self._window.show_wrapup(False)
        self._next_recovery()

    @Slot()
    def on_wrapup_form_skipped(self) -> None:
        self._safely(self._workflow.skip_wrapup)

    @Slot(dict)
    def on_wrapup_form_draft_changed(self, fields: dict[str, Any]) -> None:
        record_id = self.wrapup_form.call_record_id
        # A change of a saved wrap-up keeps no draft: the saved one is still on record,
        # and a draft of a wrapped-up call would never be offered back.
        if record_id is None or self.wrapup_form.finished or self.wrapup_form.reopening:
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
        def mine() -> tuple[list[Callback], dict[str, str]]:
            found = self._store.list_callbacks(owner_filter=(CallbackOwner.ME,
                                                             CallbackOwner.TEAM))
            return found, self._customer_names(c.customer_id for c in found)

        self._jobs.run(mine, lambda found: self.callbacks.set_callbacks(*found))

    def _customer_names(self, customer_ids: Iterable[str | None]) -> dict[str, str]:
        """Names of the customers copied to this desktop (writer thread only)."""
        names: dict[str, str] = {}
        for customer_id in dict.fromkeys(c for c in customer_ids if c):
            doc = self._store.get_reference(CUSTOMER_KIND, customer_id)
            if doc is None:
                continue
            try:
                names[customer_id] = Customer.from_document(customer_id, doc).display_name
            except CustomerDocumentError:
                log.debug("customer %s has an unreadable local copy", customer_id)
        return names

    @Slot(object)
    def on_callback_closed(self, update: CallbackUpdate) -> None:
        """Done or cancelled in My callbacks, or kept by a call: record it and queue it."""
        def write() -> None:
            self._store.save_callback_update(update)
            self._on_saved()

        def failed(exc: Exception) -> None:
            log.warning("callback update not saved: %s", exc)
            self._window.statusBar().showMessage(
                self.tr("The callback could not be closed: {error}").format(error=exc),
                10_000)
            self.refresh_callbacks()  # back on the list if it is still open

        done = update.status is CallbackState.DONE
        self._jobs.run(write, lambda _none: self._window.statusBar().showMessage(
            self.tr("Callback marked done.") if done else self.tr("Callback cancelled."),
            5_000), failed)
        self.callbacks.remove_callback(update.callback_id)

    def refresh_recent_calls(self) -> None:
        """Today's calls of this desktop with their current wrap-ups (local day)."""
        local_now = self._clock().astimezone()
        start = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(days=1)

        def today() -> tuple[list[CallRecord], dict[UUID, WrapUp], dict[str, str]]:
            calls = self._store.call_records_between(start, end)
            current = current_wrapups(self._store.wrapups_for_calls([c.id for c in calls]))
            return calls, current, self._customer_names(c.customer_id for c in calls)

        def show(found: tuple[list[CallRecord], dict[UUID, WrapUp], dict[str, str]]) -> None:
            calls, current, names = found
            self.recent_calls.set_calls(
                RecentCall(call, current.get(call.id), self._code_set_for_record(call),
                           names.get(call.customer_id or "", ""))
                for call in calls)
            self.recent_calls.set_busy(self._workflow.reopen_blocked_by())

        self._jobs.run(today, show)

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
        self.refresh_recent_calls()  # the code sets (labels, re-open windows) changed
        self._next_recovery()
