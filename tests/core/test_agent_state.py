import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.agent_state import (
    LOGIN_REASON,
    AgentState,
    AgentStateMachine,
    IllegalTransitionError,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)

S = AgentState


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def machine_in(state: AgentState, clock: Clock | None = None) -> AgentStateMachine:
    """A machine brought to `state` through legal transitions only."""
    m = AgentStateMachine(clock or Clock(), ready_on_login=True)
    if state is S.LOGGED_OUT:
        return m
    m.login()
    path: dict[AgentState, list[Callable[[], object]]] = {
        S.READY: [],
        S.NOT_READY: [lambda: m.set_not_ready("break")],
        S.RINGING: [m.offer_call],
        S.TALKING: [m.offer_call, m.answer],
        S.ON_HOLD: [m.offer_call, m.answer, m.hold],
        S.AFTER_CALL_WORK: [m.offer_call, m.answer, m.call_ended],
    }
    for step in path[state]:
        step()
    assert m.state is state
    return m


ACTIONS: dict[str, Callable[[AgentStateMachine], object]] = {
    "login": lambda m: m.login(),
    "logout": lambda m: m.logout(),
    "set_ready": lambda m: m.set_ready(),
    "set_not_ready": lambda m: m.set_not_ready("lunch"),
    "offer_call": lambda m: m.offer_call(),
    "start_outbound_call": lambda m: m.start_outbound_call(),
    "ring_ended": lambda m: m.ring_ended(),
    "answer": lambda m: m.answer(),
    "hold": lambda m: m.hold(),
    "resume": lambda m: m.resume(),
    "call_ended": lambda m: m.call_ended(),
    "finish_after_call_work": lambda m: m.finish_after_call_work(),
}

# (from, action) -> the state after it; every pair not listed must raise
LEGAL: dict[tuple[AgentState, str], AgentState] = {
    (S.LOGGED_OUT, "login"): S.READY,
    (S.READY, "logout"): S.LOGGED_OUT,
    (S.NOT_READY, "logout"): S.LOGGED_OUT,
    (S.NOT_READY, "set_ready"): S.READY,
    (S.READY, "set_not_ready"): S.NOT_READY,
    (S.NOT_READY, "set_not_ready"): S.NOT_READY,  # another reason
    (S.READY, "offer_call"): S.RINGING,
    (S.READY, "start_outbound_call"): S.RINGING,
    (S.NOT_READY, "start_outbound_call"): S.RINGING,
    (S.RINGING, "ring_ended"): S.READY,
    (S.RINGING, "answer"): S.TALKING,
    (S.TALKING, "hold"): S.ON_HOLD,
    (S.ON_HOLD, "resume"): S.TALKING,
    (S.TALKING, "call_ended"): S.AFTER_CALL_WORK,
    (S.ON_HOLD, "call_ended"): S.AFTER_CALL_WORK,
    (S.AFTER_CALL_WORK, "finish_after_call_work"): S.READY,
}

ALL_PAIRS = [(state, action) for state in AgentState for action in ACTIONS]


@pytest.mark.parametrize(("start", "action"), [p for p in ALL_PAIRS if p in LEGAL],
                         ids=lambda v: getattr(v, "value", v))
def test_legal_transition_closes_the_interval(start: AgentState, action: str) -> None:
    clock = Clock()
    m = machine_in(start, clock)
    entered = m.since
    clock.advance(42)
    closed = ACTIONS[action](m)
    assert m.state is LEGAL[(start, action)]
    assert closed.state == start.value
    assert closed.started_at == entered
    assert closed.ended_at == clock.now
    assert m.since == clock.now


@pytest.mark.parametrize(("start", "action"), [p for p in ALL_PAIRS if p not in LEGAL],
                         ids=lambda v: getattr(v, "value", v))
def test_illegal_transition_raises_and_changes_nothing(start: AgentState, action: str) -> None:
    m = machine_in(start)
    since = m.since
    with pytest.raises(IllegalTransitionError, match=f"while {start.value}"):
        ACTIONS[action](m)
    assert m.state is start
    assert m.since == since


def test_login_leaves_the_agent_not_ready_unless_configured() -> None:
    m = AgentStateMachine(Clock())
    m.login()
    assert m.state is S.NOT_READY
    assert m.reason_code == LOGIN_REASON
    assert not m.may_offer_call()


def test_not_ready_needs_a_reason() -> None:
    m = machine_in(S.READY)
    with pytest.raises(ValueError, match="reason"):
        m.set_not_ready(" ")
    assert m.state is S.READY


def test_the_reason_is_recorded_on_the_closed_interval() -> None:
    clock = Clock()
    m = machine_in(S.READY, clock)
    m.set_not_ready("lunch")
    clock.advance(1800)
    closed = m.set_ready()
    assert (closed.state, closed.reason_code) == ("not_ready", "lunch")
    assert closed.ended_at is not None
    assert closed.ended_at - closed.started_at == timedelta(minutes=30)


def test_changing_the_not_ready_reason_splits_the_interval() -> None:
    m = machine_in(S.READY)
    m.set_not_ready("break")
    closed = m.set_not_ready("meeting")
    assert closed.reason_code == "break"
    assert m.reason_code == "meeting"
    with pytest.raises(IllegalTransitionError, match="already not ready"):
        m.set_not_ready("meeting")


@pytest.mark.parametrize("state", list(AgentState), ids=lambda s: s.value)
def test_only_a_ready_agent_may_be_offered_a_call(state: AgentState) -> None:
    assert machine_in(state).may_offer_call() is (state is S.READY)


def test_a_missed_ring_returns_to_ready() -> None:
    m = machine_in(S.RINGING)
    closed = m.ring_ended()
    assert closed.state == "ringing"
    assert m.state is S.READY


def test_a_failed_outbound_call_returns_to_not_ready_with_its_reason() -> None:
    m = machine_in(S.NOT_READY)
    m.start_outbound_call()
    m.ring_ended()
    assert (m.state, m.reason_code) == (S.NOT_READY, "break")


def test_not_ready_after_this_call_applies_when_acw_ends() -> None:
    m = machine_in(S.TALKING)
    m.request_not_ready_after_call("coaching")
    m.call_ended()
    assert m.state is S.AFTER_CALL_WORK  # not before the wrap-up is done
    assert m.pending_not_ready is not None
    m.finish_after_call_work()
    assert (m.state, m.reason_code) == (S.NOT_READY, "coaching")
    assert m.pending_not_ready is None


def test_pre_selection_can_be_cancelled() -> None:
    m = machine_in(S.AFTER_CALL_WORK)
    m.request_not_ready_after_call("break")
    m.cancel_not_ready_after_call()
    m.finish_after_call_work()
    assert m.state is S.READY


def test_pre_selection_needs_a_login_and_a_reason() -> None:
    with pytest.raises(IllegalTransitionError, match="log in"):
        machine_in(S.LOGGED_OUT).request_not_ready_after_call("break")
    with pytest.raises(ValueError, match="reason"):
        machine_in(S.TALKING).request_not_ready_after_call("")


def test_an_outbound_call_from_not_ready_returns_there_after_acw() -> None:
    m = machine_in(S.NOT_READY)
    m.start_outbound_call()
    m.answer()
    m.call_ended()
    m.finish_after_call_work()
    assert (m.state, m.reason_code) == (S.NOT_READY, "break")


def test_every_interval_of_a_call_is_contiguous() -> None:
    clock = Clock()
    m = machine_in(S.READY, clock)
    closed = []
    for step, seconds in ((m.offer_call, 3), (m.answer, 60), (m.hold, 20), (m.resume, 40),
                          (m.call_ended, 25), (m.finish_after_call_work, 0)):
        clock.advance(seconds)
        closed.append(step())
    assert [c.state for c in closed] == ["ready", "ringing", "talking", "on_hold",
                                         "talking", "after_call_work"]
    for earlier, later in itertools.pairwise(closed):
        assert earlier.ended_at == later.started_at


def test_current_interval_is_open_and_elapsed_counts() -> None:
    clock = Clock()
    m = machine_in(S.NOT_READY, clock)
    clock.advance(90)
    current = m.current_interval()
    assert (current.state, current.reason_code, current.ended_at) == ("not_ready", "break", None)
    assert m.elapsed_seconds() == 90


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        AgentStateMachine(lambda: datetime(2026, 1, 1))
