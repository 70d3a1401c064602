from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from agentdesk.core.records import Callback, CallbackOwner, CallbackState
from agentdesk.ui.callbacks_list import (
    COLUMN_AGENT_TIME,
    COLUMN_CUSTOMER,
    COLUMN_CUSTOMER_TIME,
    COLUMN_OWNER,
    CallbacksList,
)

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


class WallClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def callback(minutes: float, zone: str = "America/New_York", customer: str = "C1",
             owner: CallbackOwner = CallbackOwner.ME) -> Callback:
    return Callback(customer, T0 + timedelta(minutes=minutes), zone, owner, "quote",
                    T0 - timedelta(days=1))


@pytest.fixture
def wall_clock() -> WallClock:
    return WallClock()


@pytest.fixture
def listing(qtbot: QtBot, wall_clock: WallClock) -> CallbacksList:
    widget = CallbacksList(clock=wall_clock, agent_timezone=ZoneInfo("Asia/Shanghai"),
                           check_interval_ms=10)
    qtbot.addWidget(widget)
    return widget


def test_rows_show_both_clocks_owner_and_status(listing: CallbacksList) -> None:
    later = callback(120, owner=CallbackOwner.TEAM)
    overdue = callback(-60, zone="Asia/Shanghai", customer="C2")
    listing.set_callbacks([later, overdue], {"C1": "Wang Fang"})
    assert listing.callbacks() == [overdue, later]
    row = listing.tree.topLevelItem(1)
    assert row.text(COLUMN_AGENT_TIME) == "18:00"  # 10:00 UTC on the agent's clock
    assert row.text(COLUMN_CUSTOMER_TIME) == "2026-11-22 05:00 America/New_York"
    assert row.text(COLUMN_CUSTOMER) == "Wang Fang"
    assert row.text(COLUMN_OWNER) == "My team"
    assert [listing.status_of(0), listing.status_of(1)] == ["Overdue", "Upcoming"]
    assert listing.tree.topLevelItem(0).text(COLUMN_CUSTOMER) == "C2"  # no name known


def test_due_callbacks_remind_once(qtbot: QtBot, listing: CallbacksList,
                                   wall_clock: WallClock) -> None:
    soon = callback(30)
    with qtbot.assertNotEmitted(listing.sig_callback_due, wait=50):
        listing.set_callbacks([soon])
    assert listing.status_of(0) == "Upcoming"
    wall_clock.advance(26 * 60)
    with qtbot.waitSignal(listing.sig_callback_due, timeout=1000) as blocker:
        pass
    assert blocker.args == [soon]
    assert listing.status_of(0) == "Due"
    with qtbot.assertNotEmitted(listing.sig_callback_due, wait=50):
        wall_clock.advance(60)
    wall_clock.advance(20 * 60)
    qtbot.waitUntil(lambda: listing.status_of(0) == "Overdue", timeout=1000)


def test_an_unknown_zone_is_shown_as_such(listing: CallbacksList) -> None:
    listing.set_callbacks([callback(10, zone="Nowhere/Land")])
    text = listing.tree.topLevelItem(0).text(COLUMN_CUSTOMER_TIME)
    assert text == "Nowhere/Land (unknown zone)"


def test_activating_a_row_hands_over_its_callback(qtbot: QtBot,
                                                  listing: CallbacksList) -> None:
    cb = callback(10)
    listing.set_callbacks([cb])
    with qtbot.waitSignal(listing.sig_callback_activated, timeout=1000) as blocker:
        listing.tree.itemActivated.emit(listing.tree.topLevelItem(0), 0)
    assert blocker.args == [cb]


def shown(qtbot: QtBot, listing: CallbacksList) -> None:
    with qtbot.waitExposed(listing):
        listing.show()
    with qtbot.waitActive(listing):
        listing.activateWindow()


def test_done_closes_the_callback_and_stops_its_reminder(qtbot: QtBot, listing: CallbacksList,
                                                         wall_clock: WallClock) -> None:
    first, second = callback(10), callback(60, customer="C2")
    listing.set_callbacks([first, second])
    assert not listing.done_button.isEnabled()  # nothing chosen yet
    listing.tree.setCurrentItem(listing.tree.topLevelItem(0))
    assert listing.done_button.isEnabled()
    with qtbot.waitSignal(listing.sig_callback_closed, timeout=1000) as closed:
        qtbot.mouseClick(listing.done_button, Qt.MouseButton.LeftButton)
    update = closed.args[0]
    assert (update.callback_id, update.status, update.updated_at) == (
        first.id, CallbackState.DONE, T0)
    assert listing.callbacks() == [second]
    assert listing.tree.topLevelItemCount() == 1
    wall_clock.advance(30 * 60)  # it would be overdue by now: no reminder for it
    with qtbot.waitSignal(listing.sig_callback_due, timeout=1000) as due:
        wall_clock.advance(30 * 60)
    assert due.args == [second]


def test_cancel_asks_for_a_reason_from_the_keyboard(qtbot: QtBot,
                                                    listing: CallbacksList) -> None:
    cb = callback(30)
    listing.set_callbacks([cb])
    shown(qtbot, listing)
    listing.tree.setCurrentItem(listing.tree.topLevelItem(0))
    menu = listing.context_menu()
    assert [a.text() for a in menu.actions()] == [
        "Done: the customer was called back", "Cancel the callback…"]
    menu.actions()[1].trigger()
    assert listing.reason_panel.isVisible() and listing.reason_edit.hasFocus()
    with qtbot.assertNotEmitted(listing.sig_callback_closed, wait=50):
        qtbot.keyClick(listing.reason_edit, Qt.Key.Key_Return)  # no reason: not yet
    assert listing.tree.topLevelItemCount() == 1
    qtbot.keyClicks(listing.reason_edit, "customer bought in the shop")
    with qtbot.waitSignal(listing.sig_callback_closed, timeout=1000) as closed:
        qtbot.keyClick(listing.reason_edit, Qt.Key.Key_Return)
    update = closed.args[0]
    assert (update.callback_id, update.status, update.note) == (
        cb.id, CallbackState.CANCELLED, "customer bought in the shop")
    assert listing.callbacks() == [] and not listing.reason_panel.isVisible()


def test_escape_keeps_the_callback(qtbot: QtBot, listing: CallbacksList) -> None:
    listing.set_callbacks([callback(30)])
    shown(qtbot, listing)
    listing.tree.setCurrentItem(listing.tree.topLevelItem(0))
    qtbot.mouseClick(listing.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(listing.reason_edit, "dup")
    with qtbot.assertNotEmitted(listing.sig_callback_closed, wait=50):
        qtbot.keyClick(listing.reason_edit, Qt.Key.Key_Escape)
    assert not listing.reason_panel.isVisible()
    assert listing.tree.topLevelItemCount() == 1


def test_an_unknown_callers_callback_shows_the_number(listing: CallbacksList) -> None:
    unknown = Callback(None, T0 + timedelta(minutes=30), "Asia/Shanghai", CallbackOwner.ME,
                       "tariff", T0, callback_number="+8613800138000")
    abroad = Callback(None, T0 + timedelta(minutes=40), "America/New_York", CallbackOwner.ME,
                      "tariff", T0, callback_number="+12025550143")
    listing.set_callbacks([unknown, abroad])
    assert listing.tree.topLevelItem(0).text(COLUMN_CUSTOMER) == "Caller 138 0013 8000"
    assert listing.tree.topLevelItem(1).text(COLUMN_CUSTOMER) == "Caller +1 202-555-0143"
