"""When a promised callback is upcoming, due or overdue, and when to remind the agent.

A callback is an instant (`due_at`) plus the customer's time zone, which is for
display: the agent sees the customer's wall-clock time next to their own, so "call
me at 9" is not called at 9 in the wrong city. A reminder fires once per callback,
`remind_before` ahead of the time; after `overdue_after` past it, it is overdue.

A callback ends when the agent marks it done or cancels it (a `CallbackUpdate`); the
call that keeps a promise is found by the customer or, for a caller with no customer
file, by the number the promise was made to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from enum import Enum
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentdesk.core.records import Callback


class CallbackStatus(Enum):
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class CallbackTiming:
    remind_before: timedelta = timedelta(minutes=5)
    overdue_after: timedelta = timedelta(minutes=15)


def callback_status(callback: Callback, now: datetime,
                    timing: CallbackTiming = CallbackTiming()) -> CallbackStatus:
    if now >= callback.due_at + timing.overdue_after:
        return CallbackStatus.OVERDUE
    if now >= callback.due_at - timing.remind_before:
        return CallbackStatus.DUE
    return CallbackStatus.UPCOMING


def by_due_time(callbacks: Iterable[Callback]) -> list[Callback]:
    return sorted(callbacks, key=lambda c: (c.due_at, str(c.id)))


def customer_zone(callback: Callback) -> tzinfo | None:
    try:
        return ZoneInfo(callback.customer_timezone) if callback.customer_timezone else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def customer_time(callback: Callback) -> datetime | None:
    """The due time on the customer's wall clock; None if the zone is unknown."""
    zone = customer_zone(callback)
    return callback.due_at.astimezone(zone) if zone is not None else None


class CallbackReminders:
    """Remembers which callbacks were announced, so each reminder fires once."""

    def __init__(self, timing: CallbackTiming = CallbackTiming()) -> None:
        self.timing = timing
        self._announced: set[UUID] = set()

    def newly_due(self, callbacks: Iterable[Callback], now: datetime) -> list[Callback]:
        """Callbacks that became due (or overdue) since the last call, oldest first."""
        fresh = [c for c in by_due_time(callbacks)
                 if c.id not in self._announced
                 and callback_status(c, now, self.timing) is not CallbackStatus.UPCOMING]
        self._announced.update(c.id for c in fresh)
        return fresh

    def forget(self, callback_id: UUID) -> None:
        """E.g. after the callback was moved to a new time: remind again."""
        self._announced.discard(callback_id)


def callbacks_for_call(callbacks: Iterable[Callback], *, customer_id: str | None,
                       number: str | None) -> list[Callback]:
    """The open callbacks a call with this customer (or from this number) may keep,
    soonest first. A promise made to an unknown caller's number is kept by a later
    call from that number, even when the caller has been identified since."""
    return [c for c in by_due_time(callbacks)
            if (customer_id and c.customer_id == customer_id)
            or (number and c.callback_number == number)]


def callback_kept_by_call(callbacks: Iterable[Callback], *, customer_id: str | None,
                          number: str | None) -> Callback | None:
    """The callback to offer as done when this call is wrapped up: the soonest."""
    found = callbacks_for_call(callbacks, customer_id=customer_id, number=number)
    return found[0] if found else None
