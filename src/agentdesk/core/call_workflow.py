"""The spine of a call at the agent's desk: who may ring, the agent's state through the
call, after-call work (ACW) and the wrap-up that ends it.

`CallWorkflow` listens to the CallService's events and drives the agent state machine
from them: a ready agent's call rings (ringing), is answered (talking), held (on hold)
and hung up (after-call work); the wrap-up, saved by the agent or auto-wrapped when a
timeboxed ACW runs out, ends ACW and returns the agent to ready - or to not ready,
when the agent pre-selected it. Every closed interval goes to `record_state` and every
wrap-up to `record_wrapup`; the app points both at the store writer, so all of it is
saved locally first and synced.

Who may ring: an agent who is not ready (or in ACW that blocks the next call) is not
offered a call; the CallService's admission gate refuses it with 486 Busy Here, so an
ACD routes it to another agent. With `not_ready_calls = "ring"` it rings anyway. A
second call while on a call is the phone's call waiting, and leaves the agent's state
to the first ("primary") call.

What the rest of the desk learns about a call - the customer chosen in the screen pop,
the queue, the campaign, the script's path - is kept per call (`update_context`) and
given to CallHistory at hang-up (`call_context`), so the call record carries it.

Pure: no Qt. The clock and the scheduler (one-shot timers) are injected; the desktop
passes a QTimer-backed scheduler, the tests a manual one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from agentdesk.core.acw import AcwError, AcwMode, AcwPolicy, AfterCallWork
from agentdesk.core.agent_state import (
    AVAILABLE_STATES,
    AgentState,
    AgentStateMachine,
    IllegalTransitionError,
)
from agentdesk.core.call_history import CallContext
from agentdesk.core.call_service import CallService, Cancel, Scheduler
from agentdesk.core.phone_events import (
    CallHoldChanged,
    CallState,
    CallStateChanged,
    IncomingCall,
    OutgoingCallStarted,
    PhoneEvent,
    WaitingCallOffered,
)
from agentdesk.core.records import AgentStateChange, Callback, CallRecord, WrapUp

log = logging.getLogger(__name__)

BUSY_HERE = 486
TICK_SECONDS = 1.0
_CALL_WORK_STATES = frozenset({AgentState.RINGING, AgentState.TALKING, AgentState.ON_HOLD,
                               AgentState.AFTER_CALL_WORK})


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """The agent's state as the status bar shows it."""

    state: AgentState
    reason_code: str | None
    since: datetime
    not_ready_after_call: str | None  # the pre-selected reason, if any


@dataclass(frozen=True, slots=True)
class WrapUpRequested:
    """A connected call ended: after-call work starts and the wrap-up form opens."""

    record: CallRecord
    acw: AfterCallWork
    context: CallContext


@dataclass(frozen=True, slots=True)
class AcwTicked:
    """Once a second during ACW: the countdown (None without one) and the time spent."""

    call_record_id: UUID
    remaining: float | None
    elapsed: float


@dataclass(frozen=True, slots=True)
class WrapUpFinished:
    """ACW is over: the agent saved the wrap-up, it was auto-wrapped, or skipped."""

    call_record_id: UUID
    wrapup: WrapUp | None  # None: an optional ACW the agent skipped


WorkflowEvent = AgentStatus | WrapUpRequested | AcwTicked | WrapUpFinished
WorkflowListener = Callable[[WorkflowEvent], None]


class CallWorkflow:
    def __init__(self, calls: CallService, agent: AgentStateMachine, *,
                 clock: Callable[[], datetime], schedule: Scheduler,
                 record_state: Callable[[AgentStateChange], None],
                 record_wrapup: Callable[[WrapUp, Callback | None], None],
                 acw_policy_for: Callable[[CallContext], AcwPolicy],
                 not_ready_calls: str = "reject", queue: str | None = None,
                 draft_note: Callable[[UUID], str] = lambda _record_id: "") -> None:
        self._calls = calls
        self.agent = agent
        self._clock = clock
        self._schedule = schedule
        self._record_state = record_state
        self._record_wrapup = record_wrapup
        self._acw_policy_for = acw_policy_for
        self._ring_when_not_ready = not_ready_calls == "ring"
        self._queue = queue or None
        self._draft_note = draft_note
        self._listeners: list[WorkflowListener] = []
        self._contexts: dict[str, CallContext] = {}
        self._primary: str | None = None  # the call the agent's state follows
        self._acw_call: str | None = None  # hung up, its record not yet built
        self.acw: AfterCallWork | None = None
        self._acw_context = CallContext()
        self._tick: Cancel | None = None
        calls.set_admission(self._admit)
        calls.subscribe(self.on_phone_event)

    # -- what the desk reads -----------------------------------------------------------
    def subscribe(self, listener: WorkflowListener) -> None:
        self._listeners.append(listener)

    @property
    def status(self) -> AgentStatus:
        pending = self.agent.pending_not_ready
        return AgentStatus(self.agent.state, self.agent.reason_code, self.agent.since,
                           pending.reason_code if pending else None)

    def call_context(self, call_id: str) -> CallContext | None:
        """For CallHistory at hang-up (answers from memory, on the event thread)."""
        return self._contexts.get(call_id)

    def update_context(self, call_id: str, **changes: Any) -> None:
        """The screen pop's customer, the script's path, ...: kept for the call record."""
        context = self._contexts.get(call_id, CallContext(queue=self._queue))
        self._contexts[call_id] = replace(context, **changes)

    def read_draft_note_with(self, draft_note: Callable[[UUID], str]) -> None:
        """Where the typed note comes from, kept when a timeboxed ACW auto-wraps."""
        self._draft_note = draft_note

    # -- the agent's own actions -------------------------------------------------------
    def login(self) -> None:
        self._transition(self.agent.login)

    def logout(self) -> None:
        """At shutdown: close the open interval so the time is accounted for."""
        if self.agent.state in AVAILABLE_STATES:
            self._transition(self.agent.logout)
        elif self.agent.state is not AgentState.LOGGED_OUT:
            # Quitting mid-call or in ACW: record the interval as it stands.
            self._record(replace(self.agent.current_interval(), ended_at=self._now()))

    def set_ready(self) -> None:
        if self.agent.state is AgentState.AFTER_CALL_WORK:
            self.skip_wrapup()
            return
        self._transition(self.agent.set_ready)

    def set_not_ready(self, reason_code: str) -> None:
        if self.agent.state in AVAILABLE_STATES:
            self._transition(lambda: self.agent.set_not_ready(reason_code))
        else:  # on a call or in ACW: it takes effect when this call's work is done
            self.agent.request_not_ready_after_call(reason_code)
            self._emit(self.status)

    def request_not_ready_after_call(self, reason_code: str | None) -> None:
        if reason_code:
            self.agent.request_not_ready_after_call(reason_code)
        else:
            self.agent.cancel_not_ready_after_call()
        self._emit(self.status)

    # -- after-call work ---------------------------------------------------------------
    def save_wrapup(self, wrapup: WrapUp, callback: Callback | None = None) -> None:
        """The agent saved the form: record it and end ACW if it is this call's."""
        acw = self.acw
        if acw is not None and wrapup.call_record_id == acw.call_record_id:
            # The form may have marked the shared ACW itself (saved, or its own tick
            # auto-wrapped first); only a different wrap-up is a conflict.
            if acw.wrapup is None:
                acw.wrapped_up(wrapup)
            elif acw.wrapup != wrapup:
                raise AcwError("this call is already wrapped up")
            self._record_wrapup(wrapup, callback)
            self._end_acw(wrapup)
        else:  # a restored or re-opened wrap-up: no ACW of the current call
            self._record_wrapup(wrapup, callback)

    def reopen_blocked_by(self) -> AgentState | None:
        """The state that keeps the agent from changing an earlier call's wrap-up now
        (None: free to). On a call or in after-call work the wrap-up form belongs to
        that call's work, so a re-open waits until it is done."""
        state = self.agent.state
        if state in _CALL_WORK_STATES or self.acw is not None or self._acw_call is not None:
            return state
        return None

    def save_reopened_wrapup(self, wrapup: WrapUp, callback: Callback | None = None) -> None:
        """A changed wrap-up of an earlier call: recorded as a new wrap-up superseding
        the old one. It is not after-call work: the agent's state does not move."""
        if wrapup.supersedes_id is None:
            raise ValueError("a re-opened wrap-up must name the wrap-up it supersedes")
        if self.acw is not None and wrapup.call_record_id == self.acw.call_record_id:
            raise AcwError("this call is still in after-call work: save its wrap-up")
        self._record_wrapup(wrapup, callback)

    def skip_wrapup(self) -> None:
        """Optional ACW only: the agent moves on without a wrap-up."""
        acw = self.acw
        if acw is None or not acw.may_skip_wrapup():
            raise IllegalTransitionError("skip the wrap-up", self.agent.state,
                                         "this queue's after-call work needs a wrap-up")
        self._end_acw(None)

    def extend_acw(self) -> None:
        if self.acw is not None:
            self.acw.extend(self._now())
            self._on_tick(reschedule=False)

    # -- phone events ------------------------------------------------------------------
    def _admit(self, event: IncomingCall) -> int | None:
        state = self.agent.state
        if state is AgentState.AFTER_CALL_WORK:
            return BUSY_HERE if self.acw is None or self.acw.blocks_next_call() else None
        if state in (AgentState.READY, AgentState.RINGING, AgentState.TALKING,
                     AgentState.ON_HOLD):
            return None  # ready, or call waiting on top of the agent's call
        return None if self._ring_when_not_ready else BUSY_HERE

    def on_phone_event(self, event: PhoneEvent) -> None:
        try:
            self._on_phone_event(event)
        except IllegalTransitionError as exc:
            # The phone is the truth; a state we did not foresee must not stop the call.
            log.warning("agent state not updated for %s: %s", type(event).__name__, exc)

    def _on_phone_event(self, event: PhoneEvent) -> None:
        match event:
            case IncomingCall():
                self._contexts.setdefault(event.call_id, CallContext(queue=self._queue))
                if self._primary is None:
                    self._begin_call(event.call_id, inbound=True)
            case OutgoingCallStarted():
                self._contexts.setdefault(event.call_id, CallContext(
                    dialed_number=event.remote_number or None))
                if self._primary is None and self.agent.state is not AgentState.RINGING:
                    self._begin_call(event.call_id, inbound=False)
            case WaitingCallOffered():
                # the line freed: the call that waited is now the agent's call
                if self._primary is None:
                    self._begin_call(event.call_id, inbound=True)
            case CallStateChanged(state=CallState.CONNECTED) \
                    if event.call_id == self._primary \
                    and self.agent.state is AgentState.RINGING:
                self._transition(self.agent.answer)
            case CallHoldChanged() if event.call_id == self._primary:
                if event.on_hold and self.agent.state is AgentState.TALKING:
                    self._transition(self.agent.hold)
                elif not event.on_hold and self.agent.state is AgentState.ON_HOLD:
                    self._transition(self.agent.resume)
            case CallStateChanged(state=CallState.DISCONNECTED):
                self._on_disconnected(event.call_id)
            case _:
                pass

    def _begin_call(self, call_id: str, *, inbound: bool) -> None:
        if self.agent.state is AgentState.AFTER_CALL_WORK:
            if self.acw is not None and not self.acw.may_skip_wrapup():
                return  # dialed during mandatory ACW: the state stays with the wrap-up
            self._end_acw(None)
        self._primary = call_id
        if inbound and self.agent.state is AgentState.READY:
            self._transition(self.agent.offer_call)
        else:  # a call dialed out, or one ringing a not-ready agent ("ring" policy)
            self._transition(self.agent.start_outbound_call)

    def _on_disconnected(self, call_id: str) -> None:
        if call_id != self._primary:
            return
        self._primary = None
        state = self.agent.state
        if state is AgentState.RINGING:
            self._transition(self.agent.ring_ended)
        elif state in (AgentState.TALKING, AgentState.ON_HOLD):
            self._transition(self.agent.call_ended)
            self._acw_call = call_id  # ACW opens when CallHistory hands us the record

    def on_call_recorded(self, record: CallRecord) -> None:
        """CallHistory's `on_recorded`: the ended call's record, with its id.

        CallHistory must subscribe to the CallService after this workflow, so the
        hang-up has moved the agent to ACW before the record arrives; the call's
        context, read by CallHistory for the record, is forgotten here."""
        context = self._contexts.pop(record.call_id, CallContext())
        if record.call_id != self._acw_call:
            return
        self._acw_call = None
        policy = self._policy(context)
        self.acw = AfterCallWork(policy, record.id, self._now())
        self._acw_context = context
        self._emit(WrapUpRequested(record, self.acw, context))
        self._on_tick(reschedule=True)

    def _policy(self, context: CallContext) -> AcwPolicy:
        try:
            return self._acw_policy_for(context)
        except Exception:
            log.exception("no ACW policy for this call; the wrap-up is mandatory")
            return AcwPolicy(AcwMode.MANDATORY)

    def _on_tick(self, *, reschedule: bool = True) -> None:
        acw = self.acw
        if acw is None or acw.finished:
            return
        now = self._now()
        try:
            note = self._draft_note(acw.call_record_id)
        except Exception:
            log.exception("could not read the wrap-up draft's note")
            note = ""
        auto = acw.tick(now, note=note)
        if auto is not None:
            log.info("after-call work timed out: auto-wrapped")
            self._record_wrapup(auto, None)
            self._end_acw(auto)
            return
        self._emit(AcwTicked(acw.call_record_id, acw.remaining(now), acw.elapsed(now)))
        if reschedule:
            self._tick = self._schedule(TICK_SECONDS, self._on_tick)

    def _end_acw(self, wrapup: WrapUp | None) -> None:
        acw = self.acw
        if self._tick is not None:
            self._tick()
            self._tick = None
        self.acw = None
        if self.agent.state is AgentState.AFTER_CALL_WORK:
            self._transition(self.agent.finish_after_call_work)
        if acw is not None:
            self._emit(WrapUpFinished(acw.call_record_id, wrapup))

    # -- internals ---------------------------------------------------------------------
    def _transition(self, change: Callable[[], AgentStateChange]) -> None:
        self._record(change())
        self._emit(self.status)

    def _record(self, interval: AgentStateChange) -> None:
        try:
            self._record_state(interval)
        except Exception:
            log.exception("could not record the agent state interval")

    def _emit(self, event: WorkflowEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("workflow listener failed on %s", type(event).__name__)

    def _now(self) -> datetime:
        return self._clock()
