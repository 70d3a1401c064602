from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pytestqt.qtbot import QtBot

from agentdesk.core.acw import AcwMode, AcwPolicy, AfterCallWork
from agentdesk.core.agent_state import AgentState, AgentStateMachine
from agentdesk.core.wrapup_codes import Label, NotReadyReason
from agentdesk.ui.agent_state_widget import AgentStateWidget, elapsed_text

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
REASONS = (NotReadyReason("break", Label("Break", (("zh_CN", "休息"),)), paid=True),
           NotReadyReason("lunch", Label("Lunch", (("zh_CN", "午餐"),))))


class WallClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def wall_clock() -> WallClock:
    return WallClock()


@pytest.fixture
def machine(wall_clock: WallClock) -> AgentStateMachine:
    m = AgentStateMachine(wall_clock)
    m.login()
    return m


@pytest.fixture
def widget(qtbot: QtBot, machine: AgentStateMachine, wall_clock: WallClock) -> AgentStateWidget:
    w = AgentStateWidget(machine, clock=wall_clock, refresh_interval_ms=10)
    qtbot.addWidget(w)
    w.set_reasons(REASONS)
    return w


def menu_action(widget: AgentStateWidget, text: str, after_call: bool = False):  # type: ignore[no-untyped-def]
    menu = widget.after_call_menu if after_call else widget.not_ready_menu
    return next(a for a in menu.actions() if a.text() == text)


def test_shows_the_state_its_reason_and_the_elapsed_time(
        qtbot: QtBot, widget: AgentStateWidget, machine: AgentStateMachine,
        wall_clock: WallClock) -> None:
    assert widget.state_label.text() == "Not ready · Just logged in 0:00"
    machine.set_ready()
    wall_clock.advance(192)
    qtbot.waitUntil(lambda: widget.state_label.text() == "Ready 3:12", timeout=1000)
    machine.set_not_ready("lunch")
    wall_clock.advance(3725)
    qtbot.waitUntil(lambda: widget.state_label.text() == "Not ready · Lunch 1:02:05",
                    timeout=1000)


def test_ready_and_not_ready_requests(qtbot: QtBot, widget: AgentStateWidget,
                                      machine: AgentStateMachine) -> None:
    assert widget.ready_button.isEnabled()
    with qtbot.waitSignal(widget.sig_ready_requested, timeout=1000):
        widget.ready_button.click()
    machine.set_ready()
    widget.refresh()
    assert not widget.ready_button.isEnabled()
    with qtbot.waitSignal(widget.sig_not_ready_requested, timeout=1000) as blocker:
        menu_action(widget, "Break").trigger()
    assert blocker.args == ["break"]


def test_not_ready_during_a_call_is_a_pre_selection(qtbot: QtBot, widget: AgentStateWidget,
                                                    machine: AgentStateMachine) -> None:
    machine.set_ready()
    machine.offer_call()
    machine.answer()
    with qtbot.assertNotEmitted(widget.sig_not_ready_requested), \
            qtbot.waitSignal(widget.sig_not_ready_after_call_requested,
                             timeout=1000) as blocker:
        menu_action(widget, "Lunch").trigger()
    assert blocker.args == ["lunch"]


def test_the_after_call_toggle_follows_the_machine(qtbot: QtBot, widget: AgentStateWidget,
                                                   machine: AgentStateMachine) -> None:
    machine.set_ready()
    with qtbot.waitSignal(widget.sig_not_ready_after_call_requested, timeout=1000) as blocker:
        menu_action(widget, "Break", after_call=True).trigger()
    assert blocker.args == ["break"]
    machine.request_not_ready_after_call("break")
    widget.refresh()
    assert widget.after_call_button.isChecked()
    assert widget.after_call_button.text() == "Not ready after this call: Break"
    assert menu_action(widget, "Break", after_call=True).isChecked()
    with qtbot.waitSignal(widget.sig_not_ready_after_call_requested, timeout=1000) as blocker:
        widget.cancel_after_call_action.trigger()
    assert blocker.args == [None]
    machine.cancel_not_ready_after_call()
    widget.refresh()
    assert not widget.after_call_button.isChecked()


def test_acw_shows_its_countdown_and_ready_only_when_optional(
        qtbot: QtBot, widget: AgentStateWidget, machine: AgentStateMachine,
        wall_clock: WallClock) -> None:
    machine.set_ready()
    machine.offer_call()
    machine.answer()
    machine.call_ended()
    acw = AfterCallWork(AcwPolicy(AcwMode.TIMEBOXED, 60, 30), uuid4(), wall_clock())
    widget.set_after_call_work(acw)
    wall_clock.advance(18)
    qtbot.waitUntil(lambda: widget.state_label.text() == "After-call work 0:42 left",
                    timeout=1000)
    assert not widget.ready_button.isEnabled()
    widget.set_after_call_work(AfterCallWork(AcwPolicy(AcwMode.OPTIONAL), uuid4(),
                                             wall_clock()))
    assert widget.ready_button.isEnabled()
    assert widget.state_label.text() == "After-call work 0:18"
    assert machine.state is AgentState.AFTER_CALL_WORK


def test_elapsed_text() -> None:
    assert [elapsed_text(s) for s in (0, 59.9, 61, 3600, 36000)] == [
        "0:00", "0:59", "1:01", "1:00:00", "10:00:00"]
