from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agentdesk.core.acw import AUTO_WRAP_CODE
from agentdesk.core.agent_state import AgentState
from agentdesk.core.records import CallRecord, Direction, WrapUp
from agentdesk.core.wrapup_codes import CodeSet, parse_code_file
from agentdesk.ui.recent_calls import (
    COLUMN_CHANGE_UNTIL,
    COLUMN_CODES,
    COLUMN_DIRECTION,
    COLUMN_DURATION,
    COLUMN_TIME,
    COLUMN_WHO,
    RecentCall,
    RecentCallsList,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai


class WallClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def code_sets() -> dict[str, CodeSet]:
    text = (resources.files("agentdesk") / "resources/demo/codes.yaml").read_text("utf-8")
    return {s.id: s for s in parse_code_file(text, "codes.yaml").code_sets}


@pytest.fixture
def wall_clock() -> WallClock:
    return WallClock()


@pytest.fixture
def listing(qtbot: QtBot, wall_clock: WallClock) -> RecentCallsList:
    widget = RecentCallsList(clock=wall_clock, agent_timezone=ZoneInfo("Asia/Shanghai"),
                             region="CN", check_interval_ms=10)
    qtbot.addWidget(widget)
    return widget


def record(minutes_ago: float, *, talk: float = 125, customer: str | None = None,
           number: str = "+8613800138000",
           direction: Direction = Direction.INBOUND) -> CallRecord:
    started = T0 - timedelta(minutes=minutes_ago)
    connected = started + timedelta(seconds=5) if talk else None
    return CallRecord(f"call-{minutes_ago}", direction, number, started, connected,
                      (connected or started) + timedelta(seconds=talk), customer_id=customer)


def saved(call: CallRecord, codes: tuple[str, ...], minutes_ago: float, **kw: object) -> WrapUp:
    return WrapUp(call.id, codes, T0 - timedelta(minutes=minutes_ago), **kw)  # type: ignore[arg-type]


def choose(listing: RecentCallsList, row: int) -> None:
    listing.tree.setCurrentItem(listing.tree.topLevelItem(row))


def test_todays_calls_newest_first_with_who_duration_and_codes(
        listing: RecentCallsList, code_sets: dict[str, CodeSet]) -> None:
    service = code_sets["service"]
    older = record(50, customer="C1")
    auto = record(20, number="+12025550143", direction=Direction.OUTBOUND)
    missed = record(5, talk=0)
    listing.set_calls([
        RecentCall(older, saved(older, ("INQ-PRODUCT",), 45), service, "Wang Fang"),
        RecentCall(auto, saved(auto, (AUTO_WRAP_CODE,), 15, auto_wrapped=True), service),
        RecentCall(missed, None, service)])
    assert [c.record for c in listing.calls()] == [missed, auto, older]
    rows = [listing.row_texts(i) for i in range(3)]
    assert rows[2][COLUMN_TIME] == "15:10" and rows[2][COLUMN_DIRECTION] == "In"
    assert rows[2][COLUMN_WHO] == "Wang Fang"
    assert rows[2][COLUMN_DURATION] == "2:05"
    assert rows[2][COLUMN_CODES] == service.code("INQ-PRODUCT").label.text("en")
    assert rows[1][COLUMN_WHO] == "+1 202-555-0143" and rows[1][COLUMN_DIRECTION] == "Out"
    assert rows[1][COLUMN_CODES] == "Auto-wrapped"
    assert listing.tree.topLevelItem(1).font(COLUMN_CODES).italic()
    assert rows[0][COLUMN_WHO] == "138 0013 8000"
    assert rows[0][COLUMN_DURATION] == "Not connected"


def test_change_is_offered_only_inside_the_window_with_the_deadline(
        qtbot: QtBot, listing: RecentCallsList, wall_clock: WallClock,
        code_sets: dict[str, CodeSet]) -> None:
    call = record(20, customer="C1")
    entry = RecentCall(call, saved(call, ("INQ-PRODUCT",), 10), code_sets["service"])
    listing.set_calls([entry])
    assert not listing.reopen_button.isEnabled()  # no call chosen yet
    choose(listing, 0)
    # saved at 15:50 Shanghai time, the service set allows 30 minutes
    assert listing.row_texts(0)[COLUMN_CHANGE_UNTIL] == "16:20"
    assert listing.reopen_button.isEnabled()
    assert listing.reason_label.text() == "You can change it until 16:20."
    with qtbot.waitSignal(listing.sig_reopen_requested, timeout=1000) as asked:
        qtbot.mouseClick(listing.reopen_button, Qt.MouseButton.LeftButton)
    assert asked.args == [entry]
    wall_clock.advance(20 * 60 + 1)
    qtbot.waitUntil(lambda: not listing.reopen_button.isEnabled(), timeout=1000)
    assert listing.reason_label.text() == "The time to change it ended at 16:20."
    assert listing.row_texts(0)[COLUMN_CHANGE_UNTIL] == ""
    with qtbot.assertNotEmitted(listing.sig_reopen_requested, wait=50):
        listing.tree.itemActivated.emit(listing.tree.topLevelItem(0), 0)
        listing.reopen_action.trigger()


def test_never_during_a_call_or_after_call_work(qtbot: QtBot, listing: RecentCallsList,
                                                code_sets: dict[str, CodeSet]) -> None:
    call = record(5, customer="C1")
    listing.set_calls([RecentCall(call, saved(call, ("INQ-PRODUCT",), 1),
                                  code_sets["service"])])
    choose(listing, 0)
    listing.set_busy(AgentState.TALKING)
    assert not listing.reopen_button.isEnabled()
    assert listing.reason_label.text() == "Not during a call."
    listing.set_busy(AgentState.AFTER_CALL_WORK)
    assert listing.reason_label.text() == "Finish the current wrap-up first."
    with qtbot.assertNotEmitted(listing.sig_reopen_requested, wait=50):
        listing.request_reopen()
    listing.set_busy(None)
    assert listing.reopen_button.isEnabled()
    with qtbot.waitSignal(listing.sig_reopen_requested, timeout=1000):
        listing.tree.itemActivated.emit(listing.tree.topLevelItem(0), 0)  # Enter


def test_the_reason_when_a_set_allows_no_change(listing: RecentCallsList,
                                                code_sets: dict[str, CodeSet]) -> None:
    call = record(5, customer="C1")
    unwrapped = record(3)
    closed_set = replace(code_sets["service"], reopen_minutes=0)
    listing.set_calls([RecentCall(call, saved(call, ("X",), 1), closed_set),
                       RecentCall(unwrapped, None, code_sets["service"])])
    choose(listing, 1)
    assert listing.reason_label.text() == "Wrap-ups of this queue cannot be changed once saved."
    choose(listing, 0)
    assert listing.reason_label.text() == "This call has no saved wrap-up yet."
    assert listing.row_texts(0)[COLUMN_CODES] == "Not wrapped up yet"
    assert [a.text() for a in listing.context_menu().actions()] == ["Change wrap-up…"]
    assert not listing.reopen_action.isEnabled()
