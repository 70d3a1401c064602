"""An agent's figures for a period, from the records the desktop (or the server) keeps.

Pure: the dashboard gets its inputs from the local store, the server's `report agents`
from its synced records; both call `compute_figures`. The figures are the balanced
set the field asks for (DOMAIN.md): volume, time (talk, hold, after-call work, handle
time), quality (first-contact resolution), sales (conversion) and how the time was
spent - never handle time alone.

Definitions (the same for every caller, so a desk and a report never disagree):
- A call belongs to the period when it *started* in [start, end). It is *handled*
  when it was connected and has ended.
- Talk time is connected-to-ended minus the time on hold. Average talk, hold and
  after-call work are per handled call; ACW comes from the `after_call_work` state
  intervals clipped to the period, so it counts the wrap-up time actually spent.
  Average handle time = average talk + average hold + average ACW.
- A call's outcome is its current wrap-up: the newest one no other wrap-up
  supersedes. An auto-wrapped current wrap-up (the ACW timer ran out) is counted
  apart and never as an outcome.
- First-contact resolution rate: among calls whose outcome has a `contact_made`
  code, the share whose outcome has a `first_contact_resolution` code. Conversion
  rate: among the same contacted calls, the share with a `sale` code.
- Time in each state is clipped to the period; a state still open ends at `now`
  when given (the period may reach into the future), else at the period's end.
- Occupancy: busy time (talking, on hold, after-call work) over staffed time
  (busy plus ready and ringing). Not-ready time is the agent's own, by reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from uuid import UUID

from agentdesk.core.records import AgentStateChange, CallRecord, WrapUp

CONTACT_MADE = "contact_made"
FIRST_CONTACT_RESOLUTION = "first_contact_resolution"
SALE = "sale"

AFTER_CALL_WORK = "after_call_work"
BUSY_STATES = frozenset({"talking", "on_hold", AFTER_CALL_WORK})
STAFFED_STATES = BUSY_STATES | {"ready", "ringing"}
NOT_READY = "not_ready"
NO_REASON = ""  # key of not-ready time recorded without a reason code

FlagsOf = Callable[[str], Collection[str]]


class FiguresPeriod(Enum):
    TODAY = "today"
    WEEK = "week"  # this week so far, Monday first (ISO 8601, the norm in China too)


def period_bounds(period: FiguresPeriod, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of today or this week in `now`'s time zone (pass the agent's
    local time, e.g. `datetime.now().astimezone()`); the end is the next midnight."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period is FiguresPeriod.TODAY:
        return midnight, midnight + timedelta(days=1)
    monday = midnight - timedelta(days=midnight.weekday())
    return monday, midnight + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class PersonalFigures:
    start: datetime
    end: datetime
    calls_total: int  # every call started in the period, answered or not
    calls_handled: int
    talk_seconds: float  # totals over the handled calls / the period
    hold_seconds: float
    acw_seconds: float
    average_talk_seconds: float | None  # None when no call was handled
    average_hold_seconds: float | None
    average_acw_seconds: float | None
    average_handle_seconds: float | None
    contacted_calls: int  # calls whose outcome has a contact_made code
    resolved_first_contact: int
    sales: int
    first_contact_resolution_rate: float | None  # 0..1; None when nobody was contacted
    conversion_rate: float | None
    wrapped_calls: int  # calls with a real (not auto-wrapped) current wrap-up
    auto_wrapped_calls: int  # reported apart: never outcomes
    unwrapped_calls: int  # handled calls with no wrap-up at all
    outcomes: Mapping[str, int] = field(default_factory=dict)  # code -> calls
    time_in_state: Mapping[str, float] = field(default_factory=dict)  # state -> seconds
    not_ready_by_reason: Mapping[str, float] = field(default_factory=dict)
    occupancy: float | None = None  # 0..1; None when the agent was never staffed


def current_wrapups(wrapups: Iterable[WrapUp]) -> dict[UUID, WrapUp]:
    """Each call's current wrap-up: the newest that no other wrap-up supersedes."""
    wrapups = list(wrapups)
    superseded = {w.supersedes_id for w in wrapups if w.supersedes_id is not None}
    current: dict[UUID, WrapUp] = {}
    for wrapup in wrapups:
        if wrapup.id in superseded:
            continue
        known = current.get(wrapup.call_record_id)
        if known is None or (wrapup.saved_at, str(wrapup.id)) > (known.saved_at, str(known.id)):
            current[wrapup.call_record_id] = wrapup
    return current


def time_in_states(states: Iterable[AgentStateChange], start: datetime, end: datetime,
                   now: datetime | None = None) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per state and per not-ready reason, each interval clipped to the period."""
    per_state: dict[str, float] = {}
    per_reason: dict[str, float] = {}
    open_end = end if now is None else min(end, now)
    for change in states:
        until = change.ended_at if change.ended_at is not None else open_end
        seconds = (min(until, end) - max(change.started_at, start)).total_seconds()
        if seconds <= 0:
            continue
        per_state[change.state] = per_state.get(change.state, 0.0) + seconds
        if change.state == NOT_READY:
            reason = change.reason_code or NO_REASON
            per_reason[reason] = per_reason.get(reason, 0.0) + seconds
    return per_state, per_reason


def _ratio(part: float, whole: float) -> float | None:
    return None if whole == 0 else part / whole


def compute_figures(calls: Iterable[CallRecord], wrapups: Iterable[WrapUp],
                    states: Iterable[AgentStateChange], flags_of: FlagsOf,
                    start: datetime, end: datetime, *,
                    now: datetime | None = None) -> PersonalFigures:
    """The figures of [start, end). Inputs may reach beyond the period; what lies
    outside is left out (calls by start time, states by clipping, wrap-ups by call).
    `flags_of(code)` gives a wrap-up code's flags (empty for an unknown code)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the period's start and end must be timezone-aware")
    if end <= start:
        raise ValueError(f"the period must end after it starts ({start} .. {end})")

    in_period = [c for c in calls if start <= c.started_at < end]
    handled = [c for c in in_period
               if c.connected_at is not None and c.ended_at is not None]
    talk = sum(max(0.0, (c.ended_at - c.connected_at).total_seconds() - c.hold_seconds)
               for c in handled if c.ended_at is not None and c.connected_at is not None)
    hold = sum(c.hold_seconds for c in handled)

    per_state, per_reason = time_in_states(states, start, end, now)
    acw = per_state.get(AFTER_CALL_WORK, 0.0)

    call_ids = {c.id for c in in_period}
    current = current_wrapups(w for w in wrapups if w.call_record_id in call_ids)
    outcomes: Counter[str] = Counter()
    contacted = resolved = sales = auto_wrapped = 0
    for wrapup in current.values():
        if wrapup.auto_wrapped:
            auto_wrapped += 1
            continue
        outcomes.update(dict.fromkeys(wrapup.codes, 1))  # a code counts once per call
        flags = {flag for code in wrapup.codes for flag in flags_of(code)}
        if CONTACT_MADE in flags:
            contacted += 1
            resolved += int(FIRST_CONTACT_RESOLUTION in flags)
            sales += int(SALE in flags)
    unwrapped = sum(1 for c in handled if c.id not in current)

    count = len(handled)
    averages = [_ratio(total, count) for total in (talk, hold, acw)]
    busy = sum(per_state.get(state, 0.0) for state in BUSY_STATES)
    staffed = sum(per_state.get(state, 0.0) for state in STAFFED_STATES)
    return PersonalFigures(
        start=start, end=end, calls_total=len(in_period), calls_handled=count,
        talk_seconds=talk, hold_seconds=hold, acw_seconds=acw,
        average_talk_seconds=averages[0], average_hold_seconds=averages[1],
        average_acw_seconds=averages[2],
        average_handle_seconds=None if count == 0 else (talk + hold + acw) / count,
        contacted_calls=contacted, resolved_first_contact=resolved, sales=sales,
        first_contact_resolution_rate=_ratio(resolved, contacted),
        conversion_rate=_ratio(sales, contacted),
        wrapped_calls=len(current) - auto_wrapped, auto_wrapped_calls=auto_wrapped,
        unwrapped_calls=unwrapped, outcomes=dict(outcomes), time_in_state=per_state,
        not_ready_by_reason=per_reason, occupancy=_ratio(busy, staffed))


def flags_lookup(code_flags: Mapping[str, Collection[str]]) -> FlagsOf:
    """A `flags_of` from a code -> flags mapping; unknown codes have no flags."""
    empty: frozenset[str] = frozenset()
    return lambda code: code_flags.get(code, empty)
