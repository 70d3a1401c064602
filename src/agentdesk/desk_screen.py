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
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QShortcut

from agentdesk.core.call_workflow import CallWorkflow
from agentdesk.core.caller_identity import CallerIdentity, identify_inbound, identify_outbound
from agentdesk.core.customer_directory import (
    CustomerDirectory,
    CustomerFile,
    DirectoryUnavailableError,
    LookupResult,
    Provenance,
    SearchQuery,
)
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
)
from agentdesk.core.records import AccessReason, ObjectionUse
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
    def __init__(self, bridge: PhoneBridge, workflow: CallWorkflow, desk: DeskController,
                 reference: DeskReference, directory: CustomerDirectory | None, *,
                 region: str, agent_username: str, agent_name: str = "",
                 campaign_of: Callable[[str], str | None] = lambda _number: None,
                 language: str = "en", parent: QObject | None = None) -> None:
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
        self._call_id: str | None = None  # the call the panels show

        self.customer_panel = CustomerPanel(region, agent_username)
        self.new_customer_form = NewCustomerForm(region)
        self.new_customer_form.hide()
        self.search = CustomerSearch(region)
        self.script_panel = ScriptPanel()

        bridge.sig_incoming_call.connect(self.on_bridge_incoming_call)
        bridge.sig_outgoing_call_started.connect(self.on_bridge_outgoing_call_started)
        bridge.sig_call_state_changed.connect(self.on_bridge_call_state_changed)
        self.customer_panel.sig_customer_chosen.connect(self.on_panel_customer_chosen)
        self.search.sig_search_requested.connect(self.on_search_requested)
        self.search.sig_customer_chosen.connect(self.on_search_customer_chosen)
        self.new_customer_form.sig_duplicate_check_requested.connect(
            self.on_form_duplicate_check_requested)
        self.new_customer_form.sig_customer_chosen.connect(self.on_panel_customer_chosen)
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
        if pop.provenance.offline:
            self.customer_panel.show_offline(pop.provenance)
        if pop.file is None:
            self.customer_panel.clear(self.tr("Unknown caller"))
            self.customer_panel.hide()
            self.new_customer_form.show()
            identity = pop.identity
            self.new_customer_form.start(identity.caller_number or identity.caller_raw,
                                         identity.caller_name)
        else:
            self.customer_panel.show_candidates(pop.match.candidates,
                                                pop.file.customer.customer_id)
            self.customer_panel.show_file(pop.file)
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
            campaign={"id": campaign} if campaign else {},
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
            self.customer_panel.show_file(file)
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

