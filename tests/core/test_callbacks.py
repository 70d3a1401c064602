from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.callbacks import (
    CallbackReminders,
    CallbackStatus,
    CallbackTiming,
    by_due_time,
    callback_kept_by_call,
    callback_status,
    callbacks_for_call,
    customer_time,
)
from agentdesk.core.records import Callback, CallbackOwner

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def callback(minutes_from_now: float, zone: str = "Asia/Shanghai") -> Callback:
    return Callback("C1", NOW + timedelta(minutes=minutes_from_now), zone, CallbackOwner.ME,
                    "quote", NOW - timedelta(days=1))


@pytest.mark.parametrize(("minutes", "status"), [
    (60, CallbackStatus.UPCOMING), (5.01, CallbackStatus.UPCOMING), (5, CallbackStatus.DUE),
    (0, CallbackStatus.DUE), (-14.9, CallbackStatus.DUE), (-15, CallbackStatus.OVERDUE),
    (-600, CallbackStatus.OVERDUE)])
def test_status_by_time(minutes: float, status: CallbackStatus) -> None:
    assert callback_status(callback(minutes), NOW) is status


def test_timing_is_configurable() -> None:
    timing = CallbackTiming(remind_before=timedelta(0), overdue_after=timedelta(minutes=1))
    assert callback_status(callback(1), NOW, timing) is CallbackStatus.UPCOMING
    assert callback_status(callback(-1), NOW, timing) is CallbackStatus.OVERDUE


def test_each_reminder_fires_once() -> None:
    reminders = CallbackReminders()
    later, soon, overdue = callback(60), callback(3), callback(-30)
    assert reminders.newly_due([later, soon, overdue], NOW) == [overdue, soon]
    assert reminders.newly_due([later, soon, overdue], NOW) == []
    assert reminders.newly_due([later, soon, overdue], NOW + timedelta(minutes=55)) == [later]
    reminders.forget(soon.id)
    assert reminders.newly_due([soon], NOW) == [soon]


def test_customer_wall_clock() -> None:
    cb = callback(60, "America/New_York")
    local = customer_time(cb)
    assert local is not None and local == cb.due_at  # the same instant ...
    assert local.strftime("%Y-%m-%d %H:%M %Z") == "2026-11-22 04:00 EST"  # ... on their clock
    assert customer_time(callback(0, "Nowhere/Land")) is None


def test_ordered_by_due_time() -> None:
    a, b, c = callback(30), callback(-5), callback(10)
    assert by_due_time([a, b, c]) == [b, c, a]


def test_the_callback_a_call_keeps_is_found_by_customer_or_number() -> None:
    mine = callback(30)
    sooner = callback(-10)
    other = Callback("C2", NOW, "Asia/Shanghai", CallbackOwner.ME, "x", NOW)
    unknown = Callback(None, NOW + timedelta(minutes=5), "Asia/Shanghai", CallbackOwner.ME,
                       "call back the caller", NOW, callback_number="+8613800138000")
    everyone = [mine, other, unknown, sooner]
    assert callbacks_for_call(everyone, customer_id="C1", number=None) == [sooner, mine]
    assert callback_kept_by_call(everyone, customer_id="C1", number=None) == sooner
    # the caller who was unknown calls again from the same number
    assert callback_kept_by_call(everyone, customer_id=None,
                                 number="+8613800138000") == unknown
    assert callbacks_for_call(everyone, customer_id="C2", number="+8613800138000") == [
        other, unknown]
    assert callback_kept_by_call(everyone, customer_id="C9", number="+8613900000000") is None
    assert callback_kept_by_call(everyone, customer_id=None, number=None) is None
