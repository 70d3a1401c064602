"""The call workflow over a fake phone: who may ring, the agent's state through a call,
after-call work in its three modes, and the wrap-up that ends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.acw import AUTO_WRAP_CODE, AcwError, AcwMode, AcwPolicy
from agentdesk.core.agent_state import AgentState, AgentStateMachine
from agentdesk.core.call_history import CallContext, CallHistory
from agentdesk.core.call_service import CallService
from agentdesk.core.call_workflow import (
    AcwTicked,
    AgentStatus,
    CallWorkflow,
    WrapUpFinished,
    WrapUpRequested,
)
from agentdesk.core.records import WrapUp
from agentdesk.core.settings import PhoneSettings
from tests.core.test_call_service import ManualScheduler
from tests.fakes.softphone import FakeSoftphone

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Desk:
    def __init__(self, policy: AcwPolicy, *, ready: bool = True, not_ready_calls: str = "reject",
                 note: str = "") -> None:
        self.now = START
        self.timers = ManualScheduler()
        self.phone = FakeSoftphone(registrar=False)
        self.phone.start()
        self.calls = CallService(self.phone, PhoneSettings(), self.timers)
        self.intervals = []
        self.wrapups: list[WrapUp] = []
        self.events = []
        self.contexts: list[CallContext] = []

        def policy_for(context: CallContext) -> AcwPolicy:
            self.contexts.append(context)
            return policy

        self.workflow = CallWorkflow(
            self.calls, AgentStateMachine(self.clock, ready_on_login=ready), clock=self.clock,
            schedule=self.timers, record_state=self.intervals.append,
            record_wrapup=lambda w, _cb: self.wrapups.append(w), acw_policy_for=policy_for,
            not_ready_calls=not_ready_calls, queue="service", draft_note=lambda _id: note)
        # The order the app uses: the workflow hears the hang-up before the history.
        self.history = CallHistory(None, now=self.clock, run=lambda job: None,  # type: ignore[arg-type]
                                   call_context=self.workflow.call_context,
                                   on_recorded=self.workflow.on_call_recorded)
        self.calls.subscribe(self.history.on_phone_event)
        self.workflow.subscribe(self.events.append)
        self.workflow.login()

    def clock(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.timers.advance(seconds)

    @property
    def state(self) -> AgentState:
        return self.workflow.agent.state

    def talk(self, seconds: float = 30) -> str:
        call_id = self.phone.incoming_call()
        self.calls.answer(call_id)
        self.advance(seconds)
        self.phone.remote_hangup(call_id)
        return call_id

    def requested(self) -> WrapUpRequested:
        found = [e for e in self.events if isinstance(e, WrapUpRequested)]
        assert found, "no wrap-up was requested"
        return found[-1]


def test_a_not_ready_agent_is_not_offered_calls():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY), ready=False)
    assert desk.state is AgentState.NOT_READY
    call_id = desk.phone.incoming_call()
    assert desk.phone.calls[call_id].end_code == 486
    assert desk.calls.lines == [] and desk.state is AgentState.NOT_READY


def test_with_the_ring_policy_the_call_rings_and_returns_to_not_ready():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY), ready=False, not_ready_calls="ring")
    desk.workflow.set_not_ready("lunch")
    call_id = desk.phone.incoming_call()
    assert desk.state is AgentState.RINGING
    desk.phone.remote_hangup(call_id)  # the caller gave up
    assert (desk.state, desk.workflow.agent.reason_code) == (AgentState.NOT_READY, "lunch")


def test_a_call_walks_the_agent_through_its_states_and_the_wrap_up_makes_it_ready():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    call_id = desk.phone.incoming_call()
    assert desk.state is AgentState.RINGING
    desk.workflow.update_context(call_id, customer_id="C-1001", campaign_id=None)
    desk.calls.answer(call_id)
    desk.advance(20)
    desk.calls.toggle_hold(call_id)
    assert desk.state is AgentState.ON_HOLD
    desk.advance(10)
    desk.calls.toggle_hold(call_id)
    desk.advance(5)
    desk.phone.remote_hangup(call_id)
    assert desk.state is AgentState.AFTER_CALL_WORK
    requested = desk.requested()
    assert requested.record.customer_id == "C-1001"
    assert requested.record.queue == "service"
    assert requested.record.hold_seconds == 10
    assert desk.contexts[-1].customer_id == "C-1001"
    # mandatory ACW: the next call is refused until the wrap-up is saved
    refused = desk.phone.incoming_call()
    assert desk.phone.calls[refused].end_code == 486
    desk.advance(12)
    wrap = WrapUp(requested.record.id, ("RES-FCR",), desk.now)
    desk.workflow.save_wrapup(wrap)
    assert desk.wrapups == [wrap] and desk.state is AgentState.READY
    assert [(i.state, (i.ended_at - i.started_at).total_seconds()) for i in desk.intervals] == [
        ("logged_out", 0), ("ready", 0), ("ringing", 0), ("talking", 20), ("on_hold", 10),
        ("talking", 5), ("after_call_work", 12)]
    finished = [e for e in desk.events if isinstance(e, WrapUpFinished)]
    assert [f.wrapup for f in finished] == [wrap]
    assert desk.events[-2] == desk.workflow.status and isinstance(desk.events[-2], AgentStatus)
    assert desk.workflow.call_context(call_id) is None  # forgotten once recorded


def test_not_ready_after_this_call_wins_over_ready():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    call_id = desk.phone.incoming_call()
    desk.calls.answer(call_id)
    desk.workflow.set_not_ready("break")  # during the call: pre-selected
    assert desk.workflow.status.not_ready_after_call == "break"
    desk.phone.remote_hangup(call_id)
    desk.workflow.save_wrapup(WrapUp(desk.requested().record.id, ("X",), desk.now))
    assert (desk.state, desk.workflow.agent.reason_code) == (AgentState.NOT_READY, "break")


def test_a_timeboxed_acw_counts_down_extends_once_and_auto_wraps_apart():
    desk = Desk(AcwPolicy(AcwMode.TIMEBOXED, seconds=60, extend_seconds=30),
                note="customer asked for a brochure")
    desk.talk()
    record_id = desk.requested().record.id
    desk.advance(50)
    ticks = [e for e in desk.events if isinstance(e, AcwTicked)]
    assert ticks[-1].remaining == pytest.approx(10)
    desk.workflow.extend_acw()
    with pytest.raises(Exception, match="only once"):
        desk.workflow.extend_acw()
    desk.advance(39)
    assert desk.wrapups == [] and desk.state is AgentState.AFTER_CALL_WORK
    desk.advance(2)
    [auto] = desk.wrapups
    assert auto.call_record_id == record_id and auto.auto_wrapped
    assert auto.codes == (AUTO_WRAP_CODE,) and auto.note == "customer asked for a brochure"
    assert desk.state is AgentState.READY
    assert [e for e in desk.events if isinstance(e, WrapUpFinished)][-1].wrapup == auto
    desk.advance(120)  # the timer is gone: nothing more happens
    assert len(desk.wrapups) == 1


def test_an_optional_acw_can_be_skipped_and_lets_the_next_call_in():
    desk = Desk(AcwPolicy(AcwMode.OPTIONAL))
    desk.talk()
    assert desk.state is AgentState.AFTER_CALL_WORK
    call_id = desk.phone.incoming_call()  # admitted: optional ACW does not block
    assert desk.state is AgentState.RINGING
    assert desk.calls.line(call_id) is not None
    finished = [e for e in desk.events if isinstance(e, WrapUpFinished)]
    assert finished and finished[-1].wrapup is None and desk.wrapups == []


def test_skipping_a_mandatory_wrap_up_is_refused():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    desk.talk()
    with pytest.raises(ValueError, match="needs a wrap-up"):
        desk.workflow.skip_wrapup()
    assert desk.state is AgentState.AFTER_CALL_WORK


def test_an_outbound_call_from_not_ready_returns_to_not_ready():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY), ready=False)
    call_id = desk.calls.dial("+8613800138000")
    assert desk.state is AgentState.RINGING
    assert desk.workflow.call_context(call_id).dialed_number
    desk.phone.remote_answer(call_id)
    assert desk.state is AgentState.TALKING
    desk.calls.hangup(call_id)
    desk.workflow.save_wrapup(WrapUp(desk.requested().record.id, ("SALE",), desk.now))
    assert (desk.state, desk.workflow.agent.reason_code) == (AgentState.NOT_READY, "login")


def test_call_waiting_leaves_the_state_with_the_first_call():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    first = desk.phone.incoming_call()
    desk.calls.answer(first)
    second = desk.phone.incoming_call(number="+12025550143")
    assert desk.calls.line(second) is not None  # it rings as call waiting
    desk.phone.remote_hangup(second)
    assert desk.state is AgentState.TALKING
    desk.phone.remote_hangup(first)
    assert desk.state is AgentState.AFTER_CALL_WORK


def test_logout_closes_the_open_interval():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    desk.advance(42)
    desk.workflow.logout()
    assert desk.intervals[-1].state == "ready"
    assert (desk.intervals[-1].ended_at - desk.intervals[-1].started_at).total_seconds() == 42


def test_a_wrap_up_the_form_already_marked_on_the_shared_acw_is_recorded_once():
    desk = Desk(AcwPolicy(AcwMode.TIMEBOXED, seconds=60))
    desk.talk()
    acw = desk.requested().acw
    desk.advance(30)
    desk.now += timedelta(seconds=31)  # the form's own tick sees the deadline first
    auto = acw.tick(desk.now)
    desk.workflow.save_wrapup(auto)
    assert desk.wrapups == [auto] and desk.state is AgentState.READY
    desk.advance(5)  # the workflow's tick finds nothing left to do
    assert desk.wrapups == [auto]
    with pytest.raises(AcwError, match="already wrapped up"):
        other = Desk(AcwPolicy(AcwMode.MANDATORY))
        other.talk()
        record_id = other.requested().record.id
        other.requested().acw.wrapped_up(WrapUp(record_id, ("A",), other.now))
        other.workflow.save_wrapup(WrapUp(record_id, ("B",), other.now))


def test_a_reopened_wrap_up_is_recorded_without_moving_the_agent():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    desk.talk()
    record = desk.requested().record
    first = WrapUp(record.id, ("RES-FCR",), desk.now)
    desk.workflow.save_wrapup(first)
    assert desk.state is AgentState.READY and desk.workflow.reopen_blocked_by() is None
    intervals, events = len(desk.intervals), len(desk.events)
    desk.advance(60)
    change = WrapUp(record.id, ("BILL",), desk.now, supersedes_id=first.id)
    desk.workflow.save_reopened_wrapup(change)
    assert desk.wrapups == [first, change]
    assert desk.state is AgentState.READY
    assert len(desk.intervals) == intervals and len(desk.events) == events  # no state moved
    with pytest.raises(ValueError, match="supersedes"):
        desk.workflow.save_reopened_wrapup(WrapUp(record.id, ("BILL",), desk.now))


def test_no_reopen_while_on_a_call_or_in_after_call_work():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    call_id = desk.phone.incoming_call()
    assert desk.workflow.reopen_blocked_by() is AgentState.RINGING
    desk.calls.answer(call_id)
    assert desk.workflow.reopen_blocked_by() is AgentState.TALKING
    desk.phone.remote_hangup(call_id)
    assert desk.workflow.reopen_blocked_by() is AgentState.AFTER_CALL_WORK
    record = desk.requested().record
    with pytest.raises(AcwError):  # this call's wrap-up ends ACW: it is no re-open
        desk.workflow.save_reopened_wrapup(
            WrapUp(record.id, ("X",), desk.now, supersedes_id=record.id))
    assert desk.state is AgentState.AFTER_CALL_WORK and desk.wrapups == []
    desk.workflow.save_wrapup(WrapUp(record.id, ("RES-FCR",), desk.now))
    assert desk.workflow.reopen_blocked_by() is None
    desk.workflow.set_not_ready("break")
    assert desk.workflow.reopen_blocked_by() is None  # on a break: free to fix a wrap-up


def test_a_waiting_call_offered_when_the_line_frees_becomes_the_agents_call():
    desk = Desk(AcwPolicy(AcwMode.OPTIONAL))
    first = desk.phone.incoming_call()
    desk.calls.answer(first)
    second = desk.phone.incoming_call(number="+12025550143")
    desk.phone.remote_hangup(first)  # optional ACW does not block the waiting call
    assert desk.state is AgentState.RINGING
    desk.calls.answer(second)
    assert desk.state is AgentState.TALKING
    desk.phone.remote_hangup(second)
    assert desk.state is AgentState.AFTER_CALL_WORK
    assert desk.requested().record.call_id == second


def test_a_waiting_call_meets_a_mandatory_wrap_up_and_goes_back_to_the_acd():
    desk = Desk(AcwPolicy(AcwMode.MANDATORY))
    first = desk.phone.incoming_call()
    desk.calls.answer(first)
    second = desk.phone.incoming_call(number="+12025550143")
    desk.phone.remote_hangup(first)
    assert desk.state is AgentState.AFTER_CALL_WORK
    assert desk.phone.calls[second].end_code == 486
