"""The agent's state: logged out, ready, not ready (with a reason), ringing, talking,
on hold, after-call work.

The machine is pure: the clock is injected, and every transition returns the interval
it closed as an `AgentStateChange` (state, started_at, ended_at, reason_code) for the
caller to save and sync, so time in each state is reported from records, not guessed.

Rules the contact center steers by:
- not ready always carries a reason code (break, lunch, ...), so the time is explained;
- a call is never offered to an agent who is not ready (`may_offer_call()`; the caller
  rejects the INVITE with 486 Busy Here or as configured);
- after login the agent is not ready, unless the seat says `ready_on_login`: an agent
  who is still taking off the coat must not get the first call;
- "not ready after this call" can be pre-selected during a call and takes effect when
  after-call work ends, so the agent is not ambushed by the next call;
- a ring that is missed or rejected returns the agent to the state before the ring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from agentdesk.core.records import AgentStateChange

LOGIN_REASON = "login"  # the reason recorded when login leaves the agent not ready


class AgentState(Enum):
    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"
    RINGING = "ringing"
    TALKING = "talking"
    ON_HOLD = "on_hold"
    AFTER_CALL_WORK = "after_call_work"


ON_CALL_STATES = frozenset({AgentState.RINGING, AgentState.TALKING, AgentState.ON_HOLD})
AVAILABLE_STATES = frozenset({AgentState.READY, AgentState.NOT_READY})


class IllegalTransitionError(ValueError):
    """The requested change is not allowed from the current state."""

    def __init__(self, action: str, state: AgentState, hint: str = "") -> None:
        message = f"cannot {action} while {state.value}"
        super().__init__(f"{message}: {hint}" if hint else message)
        self.action = action
        self.state = state


@dataclass(frozen=True, slots=True)
class PendingNotReady:
    """'Not ready after this call', chosen during a call or its after-call work."""

    reason_code: str


class AgentStateMachine:
    """One agent's state. Every method that changes it returns the closed interval."""

    def __init__(self, clock: Callable[[], datetime], *, ready_on_login: bool = False) -> None:
        self._clock = clock
        self.ready_on_login = ready_on_login
        self._state = AgentState.LOGGED_OUT
        self._reason: str | None = None
        self._since = self._now()
        self._pending: PendingNotReady | None = None
        # where a ring or a call returns to: (state, reason) before it began
        self._before_call: tuple[AgentState, str | None] = (AgentState.READY, None)

    # --- what the rest of the desktop reads ---------------------------------------

    @property
    def state(self) -> AgentState:
        return self._state

    @property
    def reason_code(self) -> str | None:
        return self._reason

    @property
    def since(self) -> datetime:
        return self._since

    @property
    def pending_not_ready(self) -> PendingNotReady | None:
        return self._pending

    def elapsed_seconds(self, now: datetime | None = None) -> float:
        return max(0.0, ((now or self._now()) - self._since).total_seconds())

    def current_interval(self) -> AgentStateChange:
        """The open interval (ended_at None), e.g. to show or to save at shutdown."""
        return AgentStateChange(self._state.value, self._since, None, self._reason)

    def may_offer_call(self) -> bool:
        """Whether an incoming call may ring this agent; if not, reject it (486)."""
        return self._state is AgentState.READY

    # --- login and availability ---------------------------------------------------

    def login(self) -> AgentStateChange:
        self._require("log in", AgentState.LOGGED_OUT)
        if self.ready_on_login:
            return self._enter(AgentState.READY, None)
        return self._enter(AgentState.NOT_READY, LOGIN_REASON)

    def logout(self) -> AgentStateChange:
        self._require("log out", *AVAILABLE_STATES,
                      hint="finish the call and its after-call work first")
        self._pending = None
        return self._enter(AgentState.LOGGED_OUT, None)

    def set_ready(self) -> AgentStateChange:
        self._require("become ready", AgentState.NOT_READY,
                      hint="after-call work ends with finish_after_call_work()")
        return self._enter(AgentState.READY, None)

    def set_not_ready(self, reason_code: str) -> AgentStateChange:
        """Go not ready now, or change the reason (which closes the old interval)."""
        _check_reason(reason_code)
        self._require("become not ready", *AVAILABLE_STATES,
                      hint="during a call use request_not_ready_after_call()")
        if self._state is AgentState.NOT_READY and self._reason == reason_code:
            raise IllegalTransitionError("become not ready", self._state,
                                    f"already not ready for {reason_code!r}")
        return self._enter(AgentState.NOT_READY, reason_code)

    def request_not_ready_after_call(self, reason_code: str) -> None:
        """Pre-select 'not ready after this call'; applied when after-call work ends.

        Allowed in any logged-in state: chosen while ready, it holds for the next call.
        """
        _check_reason(reason_code)
        if self._state is AgentState.LOGGED_OUT:
            raise IllegalTransitionError("pre-select not ready", self._state, "log in first")
        self._pending = PendingNotReady(reason_code)

    def cancel_not_ready_after_call(self) -> None:
        self._pending = None

    # --- the call -----------------------------------------------------------------

    def offer_call(self) -> AgentStateChange:
        """An inbound call rings. Check may_offer_call() first and reject otherwise."""
        if self._state is not AgentState.READY:
            raise IllegalTransitionError("ring", self._state, "only a ready agent gets calls")
        self._before_call = (self._state, self._reason)
        return self._enter(AgentState.RINGING, None)

    def start_outbound_call(self) -> AgentStateChange:
        """The agent dials out (from ready or not ready); the far end is ringing."""
        self._require("dial out", *AVAILABLE_STATES)
        self._before_call = (self._state, self._reason)
        return self._enter(AgentState.RINGING, None)

    def ring_ended(self) -> AgentStateChange:
        """The ring was missed, rejected or failed: back to where the agent was."""
        self._require("end a ring", AgentState.RINGING)
        state, reason = self._before_call
        return self._enter(state, reason)

    def answer(self) -> AgentStateChange:
        self._require("answer", AgentState.RINGING)
        return self._enter(AgentState.TALKING, None)

    def hold(self) -> AgentStateChange:
        self._require("hold", AgentState.TALKING)
        return self._enter(AgentState.ON_HOLD, None)

    def resume(self) -> AgentStateChange:
        self._require("resume", AgentState.ON_HOLD)
        return self._enter(AgentState.TALKING, None)

    def call_ended(self) -> AgentStateChange:
        """The connected call hung up (talking or on hold): after-call work starts."""
        self._require("end a call", AgentState.TALKING, AgentState.ON_HOLD)
        return self._enter(AgentState.AFTER_CALL_WORK, None)

    def finish_after_call_work(self) -> AgentStateChange:
        """The wrap-up is saved (or ACW is optional and the agent moves on).

        A pre-selected 'not ready after this call' wins; otherwise the agent returns to
        the state before the call (ready, or not ready with its reason for a call the
        agent dialed while not ready).
        """
        self._require("finish after-call work", AgentState.AFTER_CALL_WORK)
        if self._pending is not None:
            pending = self._pending.reason_code
            self._pending = None
            return self._enter(AgentState.NOT_READY, pending)
        state, reason = self._before_call
        return self._enter(state, reason)

    # --- internals ----------------------------------------------------------------

    def _now(self) -> datetime:
        now = self._clock()
        if now.tzinfo is None:
            raise ValueError("the agent state clock must return timezone-aware times")
        return now

    def _require(self, action: str, *allowed: AgentState, hint: str = "") -> None:
        if self._state not in allowed:
            raise IllegalTransitionError(action, self._state, hint)

    def _enter(self, state: AgentState, reason: str | None) -> AgentStateChange:
        now = self._now()
        closed = AgentStateChange(self._state.value, self._since, now, self._reason)
        self._state = state
        self._reason = reason
        self._since = now
        return closed


def _check_reason(reason_code: str) -> None:
    if not reason_code or not reason_code.strip():
        raise ValueError("not ready needs a reason code")
