"""What the agent sees of a call: the screen pop (the customer's file, ranked candidates,
the new-customer form for an unknown caller, Ctrl+F search) and the call script.

A call's identity comes from its SIP headers (core.caller_identity); the lookup, the
ranking and the file run on a worker thread of their own (core.customer_match asks the
directory, which talks HTTP or reads the local copy), and the result comes back to
the GUI thread through one queued signal. A pop that arrives for a call that has
already been replaced by another is dropped.

The script is chosen by the call's campaign, dialed number or queue once the pop
knows who is calling, and its path, objections and captured fields are kept with the
call (CallWorkflow.update_context), so the call record carries them and the wrap-up is
pre-filled from its end.

What the agent writes into the file goes to the local store on the seat's store
writer thread (never the GUI thread), with its outbox row, and then asks the sync
service to push (`on_record_saved`, the seat's notify_saved):
- a note becomes a `Note` and shows in the timeline at once; a note written after the
  call was recorded (in after-call work) carries that call's record id;
- a contact edit becomes a `CustomerChange` of only the fields that changed;
- a new customer from the unknown caller's form becomes `CustomerChange(created=True)`
  under a desktop-made id (core.customer_directory.new_customer_id); its file opens
  from the local copy, the call gets its customer id, and the open is an access entry
  like any other.
A save that fails puts back what the agent typed and says why.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QShortcut

from agentdesk.core.call_workflow import CallWorkflow, WrapUpRequested
from agentdesk.core.caller_identity import CallerIdentity, identify_inbound, identify_outbound
from agentdesk.core.customer_directory import (
    Customer,
    CustomerDirectory,
    CustomerEditError,
    CustomerFile,
    DirectoryUnavailableError,
    LookupResult,
    Provenance,
    SearchQuery,
    TimelineEntry,
    TimelineKind,
    customer_change_fields,
    local_customer_file,
    new_customer_fields,
    new_customer_id,
)
from agentdesk.core.customer_duplicates import NewCustomerDraft
from agentdesk.core.customer_match import (
    MatchResult,
    ScreenPop,
    open_customer_file,
    screen_pop,
)
from agentdesk.core.phone_events import (
    CallState,
    CallStateChanged,
    IncomingCall,
    OutgoingCallStarted,
    WaitingCallOffered,
)
from agentdesk.core.records import (
    AccessEntry,
    AccessReason,
    CustomerChange,
    LocalStore,
    Note,
    ObjectionUse,
)
from agentdesk.core.scripts import ScriptContext, ScriptOutcome
from agentdesk.desk_controller import DeskController
from agentdesk.desk_reference import DeskReference
from agentdesk.ui.background_jobs import BackgroundJobs
from agentdesk.ui.bridge import PhoneBridge
from agentdesk.ui.customer_panel import CustomerPanel
from agentdesk.ui.customer_search import CustomerSearch
from agentdesk.ui.new_customer_form import NewCustomerForm
from agentdesk.ui.script_panel import ScriptPanel
from agentdesk.ui.shortcuts import shortcut

log = logging.getLogger(__name__)



def script_customer(file: CustomerFile | None) -> dict[str, Any]:
    """The customer's fields as script variables ({customer.first_name}, ...)."""
    if file is None:
        return {}
    doc = file.customer.to_document()
    extra = doc.pop("extra", {}) or {}
    return {**{k: v for k, v in extra.items() if isinstance(v, str | int | float)},
            **{k: v for k, v in doc.items() if v not in (None, "")},
            "customer_id": file.customer.customer_id}


def context_of(outcome: ScriptOutcome) -> dict[str, Any]:
    """The script's part of the call record (CallContext fields)."""
    return {
        "script_id": outcome.script_id, "script_version": outcome.script_version,
        "script_path": tuple(outcome.path),
        "script_objections": tuple(ObjectionUse(u.objection, u.rebuttal, u.node, u.at)
                                   for u in outcome.objections),
        "script_captured": dict(outcome.captured),
    }


class CallScreen(QObject):
    sig_problem_reported = Signal(str)  # a save failed: for the status bar

    def __init__(self, bridge: PhoneBridge, workflow: CallWorkflow, desk: DeskController,
                 reference: DeskReference, directory: CustomerDirectory | None, *,
                 region: str, agent_username: str, agent_name: str = "",
                 campaign_of: Callable[[str], str | None] = lambda _number: None,
                 language: str = "en", store: LocalStore | None = None,
                 run_in_writer: Callable[[Callable[[], None]], object] | None = None,
                 on_record_saved: Callable[[], None] = lambda: None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 parent: QObject | None = None) -> None:
        """`store`, `run_in_writer` and `on_record_saved` are the seat's local store, its
        store writer (Seat.run_in_writer) and the sync nudge (Seat.on_history_record_saved):
        without a store, notes, contact edits and new customers cannot be saved."""
        super().__init__(parent)
        self._workflow = workflow
        self._desk = desk
        self._reference = reference
        self._directory = directory
        self._region = region
        self._agent = agent_username
        self._agent_name = agent_name or agent_username
        self._campaign_of = campaign_of
        self._language = language
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screen-pop")
        self._jobs = BackgroundJobs(self._worker.submit, self)
        self._store = store
        self._writes = BackgroundJobs(run_in_writer or self._worker.submit, self)
        self._on_record_saved = on_record_saved
        self._clock = clock
        self._call_id: str | None = None  # the call the panels show
        # The file on screen, as this screen last rendered it, and the call it was
        # opened for (None: a search); the record id arrives once that call is recorded.
        self._shown: CustomerFile | None = None
        self._shown_call: str | None = None
        self._recorded: tuple[str, UUID] | None = None  # (call id, its record id)
        self._render_pending = False  # a re-render waits for the contact edit to end
        self._form_call: str | None = None  # the call the new-customer form is for
        self._provenance = Provenance()  # of the last pop: a new customer's file shares it

        self.customer_panel = CustomerPanel(region, agent_username)
        self.new_customer_form = NewCustomerForm(region)
        self.new_customer_form.hide()
        self.search = CustomerSearch(region)
        self.script_panel = ScriptPanel()

        bridge.sig_incoming_call.connect(self.on_bridge_incoming_call)
        bridge.sig_outgoing_call_started.connect(self.on_bridge_outgoing_call_started)
        bridge.sig_call_state_changed.connect(self.on_bridge_call_state_changed)
        bridge.sig_waiting_call_offered.connect(self.on_bridge_waiting_call_offered)
        self.customer_panel.sig_customer_chosen.connect(self.on_panel_customer_chosen)
        self.search.sig_search_requested.connect(self.on_search_requested)
        self.search.sig_customer_chosen.connect(self.on_search_customer_chosen)
        self.new_customer_form.sig_duplicate_check_requested.connect(
            self.on_form_duplicate_check_requested)
        self.new_customer_form.sig_customer_chosen.connect(self.on_panel_customer_chosen)
        self.new_customer_form.sig_customer_created.connect(self.on_form_customer_created)
        self.new_customer_form.sig_cancelled.connect(self.on_form_cancelled)
        self.customer_panel.sig_note_saved.connect(self.on_panel_note_saved)
        self.customer_panel.sig_customer_edited.connect(self.on_panel_customer_edited)
        self.customer_panel.edit_button.toggled.connect(self.on_panel_edit_toggled)
        bridge.sig_wrapup_requested.connect(self.on_bridge_wrapup_requested)
        self.script_panel.sig_outcome_changed.connect(self.on_script_outcome_changed)
        self.script_panel.sig_finished.connect(self.on_script_outcome_changed)
        reference.sig_changed.connect(self.on_reference_changed)

    def install_search_shortcut(self, window: QObject) -> QShortcut:
        keys = QShortcut(shortcut("customer_search").sequences()[0], window)  # type: ignore[arg-type]
        keys.setContext(Qt.ShortcutContext.WindowShortcut)
        keys.activated.connect(self.search.focus_search)
        return keys

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
        closer = getattr(self._directory, "close", None)
        if callable(closer):
            closer()

    # -- a call arrives -----------------------------------------------------------------
    @Slot(object)
    def on_bridge_incoming_call(self, event: IncomingCall) -> None:
        identity = identify_inbound(event, self._region)
        self._workflow.update_context(event.call_id, **self._routing(identity))
        self._pop(event.call_id, identity, AccessReason.POP)

    @Slot(object)
    def on_bridge_waiting_call_offered(self, event: WaitingCallOffered) -> None:
        # The call the agent was on ended: the waiting caller's file comes up now.
        self.on_bridge_incoming_call(event.incoming)

    @Slot(object)
    def on_bridge_outgoing_call_started(self, event: OutgoingCallStarted) -> None:
        if self._call_id is not None:
            return  # a consultation: the agent stays on the first caller's file
        campaign = self._campaign_of(event.remote_number)
        identity = identify_outbound(event.remote_number, self._region)
        if campaign:
            self._workflow.update_context(event.call_id, campaign_id=campaign)
        reason = AccessReason.CAMPAIGN_PREVIEW if campaign else AccessReason.POP
        self._pop(event.call_id, identity, reason)

    def _routing(self, identity: CallerIdentity) -> dict[str, Any]:
        routing: dict[str, Any] = {}
        if identity.queue:
            routing["queue"] = identity.queue
        if identity.dialed_number:
            routing["dialed_number"] = identity.dialed_number
        return routing

    def _pop(self, call_id: str, identity: CallerIdentity, reason: AccessReason) -> None:
        if self._call_id is not None and self._call_id != call_id:
            return  # call waiting: the screen stays with the call the agent is on
        self._call_id = call_id
        self._shown = None
        self._form_call = None
        self.script_panel.clear()
        self.new_customer_form.hide()
        self.customer_panel.show()
        self.customer_panel.show_looking_up(identity.caller_number or identity.caller_raw)
        directory = self._directory
        if directory is None:
            self._show_pop(call_id, ScreenPop(identity, MatchResult(()), None, Provenance()))
            return
        self._jobs.run(lambda: screen_pop(directory, identity, self._agent, reason=reason),
                         lambda pop: self._show_pop(call_id, pop),
                         lambda exc: self._pop_failed(call_id, identity, exc))

    def _show_pop(self, call_id: str, pop: ScreenPop) -> None:
        if call_id != self._call_id:
            return  # that call is over; another one is on screen
        self._provenance = pop.provenance
        if pop.provenance.offline:
            self.customer_panel.show_offline(pop.provenance)
        if pop.file is None:
            self.customer_panel.clear(self.tr("Unknown caller"))
            self.customer_panel.hide()
            self._form_call = call_id
            self.new_customer_form.show()
            identity = pop.identity
            self.new_customer_form.start(identity.caller_number or identity.caller_raw,
                                         identity.caller_name)
        else:
            self.customer_panel.show_candidates(pop.match.candidates,
                                                pop.file.customer.customer_id)
            self._show_file(pop.file, call_id)
            self._workflow.update_context(call_id,
                                          customer_id=pop.file.customer.customer_id)
        self._start_script(call_id, pop.file)

    def _pop_failed(self, call_id: str, identity: CallerIdentity, exc: Exception) -> None:
        log.warning("screen pop failed: %s", exc)
        if call_id == self._call_id:
            self.customer_panel.clear(self.tr("The customer file could not be opened: {error}")
                                      .format(error=exc))
            self._start_script(call_id, None)

    # -- the script ---------------------------------------------------------------------
    def _start_script(self, call_id: str, file: CustomerFile | None) -> None:
        context = self._workflow.call_context(call_id)
        queue = context.queue if context else None
        dialed = context.dialed_number if context else None
        campaign = context.campaign_id if context else None
        script = self._reference.script_for(queue=queue, dialed_number=dialed,
                                            campaign_id=campaign)
        if script is None:
            return
        self.script_panel.start(script, ScriptContext(
            customer=script_customer(file),
            call={"queue": queue or "", "dialed_number": dialed or ""},
            campaign=(self._reference.campaign_variables(
                campaign, self._language if self._language in script.languages
                else script.language) if campaign else {}),
            agent={"name": self._agent_name, "username": self._agent,
                   "first_name": self._agent_name.split()[0] if self._agent_name else ""}),
            language=self._language)

    @Slot(object)
    def on_script_outcome_changed(self, outcome: ScriptOutcome) -> None:
        call_id = self._call_id
        if call_id is None:
            return
        self._workflow.update_context(call_id, **context_of(outcome))
        self._desk.set_script_outcome(call_id, outcome)

    @Slot()
    def on_reference_changed(self) -> None:
        self.script_panel.set_scripts(list(self._reference.data.scripts))

    # -- the call ends --------------------------------------------------------------------
    @Slot(object)
    def on_bridge_call_state_changed(self, event: CallStateChanged) -> None:
        if event.state is CallState.DISCONNECTED and event.call_id == self._call_id:
            # The file stays up for the wrap-up; the next call replaces it.
            self._call_id = None

    # -- the agent picks another customer, or searches -----------------------------------
    @Slot(str)
    def on_panel_customer_chosen(self, customer_id: str) -> None:
        self._open(customer_id, AccessReason.POP if self._call_id else AccessReason.SEARCH)

    @Slot(str)
    def on_search_customer_chosen(self, customer_id: str) -> None:
        self._open(customer_id, AccessReason.SEARCH)

    def _open(self, customer_id: str, reason: AccessReason) -> None:
        directory = self._directory
        if directory is None:
            return
        call_id = self._call_id

        def shown(file: CustomerFile | None) -> None:
            if file is None:
                self.customer_panel.clear(self.tr("That customer is no longer on file."))
                return
            self.new_customer_form.hide()
            self.customer_panel.show()
            self._show_file(file, call_id)
            if call_id is not None and call_id == self._call_id:
                self._workflow.update_context(call_id, customer_id=customer_id)

        self._jobs.run(lambda: open_customer_file(directory, customer_id, reason=reason),
                         shown, lambda exc: self.customer_panel.clear(str(exc)))

    @Slot(object)
    def on_search_requested(self, query: SearchQuery) -> None:
        directory = self._directory
        if directory is None:
            self.search.show_failed(query, self.tr("No server is set up for this seat."))
            return

        def failed(exc: Exception) -> None:
            message = str(exc) if isinstance(exc, DirectoryUnavailableError) else repr(exc)
            self.search.show_failed(query, message)

        self._jobs.run(lambda: directory.search(query),
                         lambda result: self.search.show_results(query, result), failed)

    @Slot(object)
    def on_form_duplicate_check_requested(self, draft: Any) -> None:
        directory = self._directory
        if directory is None:
            self.new_customer_form.show_duplicate_candidates(draft, [])
            return
        query = SearchQuery(phone=draft.phone, name=draft.native_name or draft.last_name,
                            limit=50)

        def found(result: LookupResult) -> None:
            self.new_customer_form.show_duplicate_candidates(draft, list(result.customers))

        self._jobs.run(lambda: directory.search(query), found,
                         lambda exc: self.new_customer_form.show_check_failed(str(exc)))


    # -- what the agent writes into the file ---------------------------------------------
    def _show_file(self, file: CustomerFile, call_id: str | None) -> None:
        self._shown, self._shown_call = file, call_id
        self._render_pending = False
        self.customer_panel.show_file(file)

    def _rerender(self) -> None:
        """Show the file as this screen holds it now. While the agent edits the contact
        data only the history is refreshed: a whole render ends the edit, which would
        save half-typed data; the rest follows when the edit ends."""
        shown = self._shown
        if shown is None or not self._showing(shown.customer.customer_id):
            return
        if self.customer_panel.edit_button.isChecked():
            self.customer_panel.show_history(shown.history, shown.provenance)
            self._render_pending = True
            return
        self._render_pending = False
        self.customer_panel.show_file(shown)

    def _showing(self, customer_id: str) -> bool:
        customer = self.customer_panel.customer
        return customer is not None and customer.customer_id == customer_id

    def _record_id_of(self, call_id: str | None) -> UUID | None:
        """The call's record id once the call is recorded (hang-up); None before, while
        the call is live: its record is made only when it ends."""
        if call_id is not None and self._recorded is not None and self._recorded[0] == call_id:
            return self._recorded[1]
        return None

    @Slot(object)
    def on_bridge_wrapup_requested(self, requested: WrapUpRequested) -> None:
        self._recorded = (requested.record.call_id, requested.record.id)

    @Slot(bool)
    def on_panel_edit_toggled(self, _editing: bool) -> None:
        if self._render_pending and not self.customer_panel.edit_button.isChecked():
            self._rerender()

    def _save(self, what: str, write: Callable[[LocalStore], Any],
              then: Callable[[Any], None], failed: Callable[[str], None]) -> None:
        """Run `write` on the store writer; the sync service hears of it when it is
        saved; `then` or `failed` (with a message for the agent) on the GUI thread."""
        store = self._store
        if store is None:
            failed(self.tr("this seat has no local store"))
            return

        def job() -> Any:
            result = write(store)
            self._on_record_saved()
            return result

        def report(exc: Exception) -> None:
            log.warning("could not save %s: %s", what, exc)
            failed(str(exc))

        self._writes.run(job, then, report)

    @Slot(str, str)
    def on_panel_note_saved(self, customer_id: str, text: str) -> None:
        shown = self._shown
        call_id = self._shown_call if shown is not None and \
            shown.customer.customer_id == customer_id else None
        note = Note(customer_id, text, self._clock(), call_record_id=self._record_id_of(call_id))
        entry = TimelineEntry(TimelineKind.NOTE, note.created_at, self._agent, text=text,
                              record_id=str(note.id))
        if shown is not None and shown.customer.customer_id == customer_id:
            history = shown.history
            self._shown = replace(shown, history=replace(
                history, timeline=(entry, *history.timeline)))
            self._rerender()  # at once: the agent sees the note before the disk has it

        def failed(message: str) -> None:
            held = self._shown
            if held is not None and held.customer.customer_id == customer_id:
                self._shown = replace(held, history=replace(held.history, timeline=tuple(
                    e for e in held.history.timeline if e.record_id != entry.record_id)))
                self._rerender()
            if self._showing(customer_id) and not self.customer_panel.note_edit.toPlainText():
                self.customer_panel.note_edit.setPlainText(text)  # nothing typed is lost
            self.sig_problem_reported.emit(
                self.tr("The note could not be saved: {error}").format(error=message))

        self._save("a note", lambda store: store.save_note(note), lambda _none: None, failed)

    @Slot(object)
    def on_panel_customer_edited(self, edited: Customer) -> None:
        shown = self._shown
        if shown is None or shown.customer.customer_id != edited.customer_id:
            return
        error = self.customer_panel.edit_error
        try:
            fields = customer_change_fields(shown.customer, edited, self._region)
            if not fields:
                return
            change = CustomerChange(edited.customer_id, fields, self._clock(),
                                    call_record_id=self._record_id_of(self._shown_call))
        except ValueError as exc:  # CustomerEditError names the field
            self._rerender()  # back to what is on file
            error.setText(self.tr("Not saved: {error}").format(error=exc))
            return
        self._shown = replace(shown, customer=edited)  # the panel shows it already

        def failed(message: str) -> None:
            held = self._shown
            if held is not None and held.customer == edited:
                self._shown = replace(held, customer=shown.customer)
                self._rerender()
            if self._showing(edited.customer_id):
                error.setText(self.tr("Not saved: {error}").format(error=message))
            self.sig_problem_reported.emit(
                self.tr("The contact change could not be saved: {error}").format(
                    error=message))

        self._save("a contact change", lambda store: store.save_customer_change(change),
                   lambda _none: None, failed)

    @Slot(object)
    def on_form_customer_created(self, draft: NewCustomerDraft) -> None:
        form = self.new_customer_form
        call_id = self._form_call
        try:
            change = CustomerChange(new_customer_id(), new_customer_fields(draft, self._region),
                                    self._clock(), created=True,
                                    call_record_id=self._record_id_of(call_id))
        except (CustomerEditError, ValueError) as exc:
            form.show_save_failed(str(exc))
            return
        customer_id = change.customer_id
        # Opened for the caller even when finished after the hang-up: the reason a pop.
        reason = AccessReason.POP if call_id is not None else AccessReason.SEARCH
        provenance = self._provenance
        agent = self._agent

        def write(store: LocalStore) -> CustomerFile | None:
            store.save_customer_change(change)
            # The same access entry any other open writes (directory.record_access).
            store.save_access_entry(AccessEntry(customer_id, reason, change.changed_at,
                                                call_record_id=change.call_record_id))
            return local_customer_file(store, customer_id, agent=agent,
                                       provenance=provenance)

        def saved(file: CustomerFile | None) -> None:
            if file is None:  # the store kept the change but cannot show the copy
                form.show_save_failed(self.tr("the new customer is not in the local copy"))
                return
            if call_id is not None and call_id != self._form_call:
                return  # another call's pop replaced the form meanwhile
            self._form_call = None
            form.hide()
            self.customer_panel.show()
            self._show_file(file, call_id)
            if call_id is not None and call_id == self._call_id:
                self._workflow.update_context(call_id, customer_id=customer_id)

        self._save("a new customer", write, saved, form.show_save_failed)

    @Slot()
    def on_form_cancelled(self) -> None:
        """No file for this caller: the panel says so (Ctrl+F still finds one)."""
        self._form_call = None
        self.new_customer_form.hide()
        self.customer_panel.show()
        self.customer_panel.clear(self.tr("Unknown caller: no customer file was made."))
