"""`report agents`: per agent and period (hour, day or week), the balanced figures of
core.personal_figures (the desktop dashboard's own computation, reused here so a desk
and a report never disagree), from the call records, wrap-ups and agent states the
desktops synced.

Times: durations come from differences of one desktop's clock (drift cancels out);
which period a call or state falls in comes from the record's own time bounded by
the server's receipt time (records.derived_columns' occurred_at), so a desktop clock
running fast cannot move work into a later period. Code flags (contact made, first
contact resolution, sale) come from the code-set documents published on the server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agentdesk.core.personal_figures import PersonalFigures, compute_figures, flags_lookup
from agentdesk.core.records import AgentStateChange, CallRecord, Direction, WrapUp
from agentdesk.server.models import ReferenceItem, SyncedRecord, User
from agentdesk.server.records import parse_time

Granularity = Literal["hour", "day", "week"]
STATES = ("ready", "ringing", "talking", "on_hold", "after_call_work", "not_ready",
          "logged_out")
# States may have started before the period: look back this far for them.
STATE_LOOKBACK = timedelta(days=1)


@dataclass(frozen=True)
class AgentPeriodFigures:
    agent: str
    start: datetime
    end: datetime
    figures: PersonalFigures


def code_flags(engine: Engine) -> dict[str, set[str]]:
    """code -> flags, from every published wrapup_code_set document."""
    flags: dict[str, set[str]] = {}
    with Session(engine) as s, s.begin():
        documents = s.scalars(select(ReferenceItem.document)
                              .where(ReferenceItem.kind == "wrapup_code_set"))
        for document in documents:
            for category in document.get("categories", []) or []:
                for code in (category.get("codes", []) if isinstance(category, dict) else []):
                    if isinstance(code, dict) and isinstance(code.get("code"), str):
                        flags.setdefault(code["code"], set()).update(
                            str(f) for f in code.get("flags", []) or [])
    return flags


def _shifted(value: Any, delta: timedelta) -> datetime | None:
    parsed = parse_time(value)
    return None if parsed is None else parsed + delta


def _call(record: SyncedRecord) -> CallRecord | None:
    p = record.payload
    started = parse_time(p.get("started_at"))
    if started is None:
        return None
    delta = record.occurred_at - started  # <= 0: bounded by the server's receipt
    try:
        hold = float(p.get("hold_seconds") or 0.0)
        return CallRecord(
            id=record.id, call_id=str(p.get("call_id") or ""),
            direction=Direction(p.get("direction", "inbound")),
            remote_number=str(p.get("remote_number") or ""), started_at=record.occurred_at,
            connected_at=_shifted(p.get("connected_at"), delta),
            ended_at=_shifted(p.get("ended_at"), delta), hold_seconds=hold)
    except (TypeError, ValueError):
        return None


def _wrapup(record: SyncedRecord) -> WrapUp | None:
    p = record.payload
    saved = parse_time(p.get("saved_at"))
    if record.call_record_id is None or saved is None:
        return None
    codes = p.get("codes")
    try:
        supersedes = uuid.UUID(str(p["supersedes_id"])) if p.get("supersedes_id") else None
        amount = Decimal(str(p["amount"])) if p.get("amount") not in (None, "") else None
    except (ValueError, InvalidOperation):
        return None
    return WrapUp(id=record.id, call_record_id=record.call_record_id,
                  codes=tuple(str(c) for c in codes) if isinstance(codes, list) else (),
                  saved_at=saved, auto_wrapped=bool(p.get("auto_wrapped")),
                  supersedes_id=supersedes, amount=amount)


def _state(record: SyncedRecord) -> AgentStateChange | None:
    p = record.payload
    started = parse_time(p.get("started_at"))
    if started is None or not isinstance(p.get("state"), str):
        return None
    delta = record.occurred_at - started
    reason = p.get("reason_code")
    return AgentStateChange(id=record.id, state=p["state"], started_at=record.occurred_at,
                            ended_at=_shifted(p.get("ended_at"), delta),
                            reason_code=str(reason) if reason else None)


def periods(start: datetime, end: datetime, by: Granularity,
            zone: tzinfo) -> list[tuple[datetime, datetime]]:
    """[start, end) cut at hour / midnight / Monday-midnight boundaries of `zone`."""
    local = start.astimezone(zone)
    if by == "hour":
        first = local.replace(minute=0, second=0, microsecond=0)
        step = timedelta(hours=1)
    else:
        first = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if by == "week":
            first -= timedelta(days=first.weekday())
        step = timedelta(days=7 if by == "week" else 1)
    cuts: list[tuple[datetime, datetime]] = []
    cursor = first
    while cursor < end:
        # wall-clock steps, re-localized: a day across a DST change is 23 or 25 hours
        following = (cursor.replace(tzinfo=None) + step).replace(tzinfo=zone)
        cuts.append((max(cursor, start), min(following, end)))
        cursor = following
    return cuts


def agent_report(engine: Engine, start: datetime, end: datetime, by: Granularity = "day",
                 zone: tzinfo | None = None,
                 now: datetime | None = None) -> list[AgentPeriodFigures]:
    """Figures per agent (who has any record in the range) and period, agents by name."""
    zone = zone or start.tzinfo
    assert zone is not None
    flags_of = flags_lookup(code_flags(engine))
    calls: dict[str, list[CallRecord]] = {}
    states: dict[str, list[AgentStateChange]] = {}
    wrapups: dict[str, list[WrapUp]] = {}
    with Session(engine) as s, s.begin():
        rows = s.execute(select(SyncedRecord, User.username)
                         .join(User, User.id == SyncedRecord.owner_id)
                         .where(SyncedRecord.kind.in_(("call_record", "agent_state")),
                                SyncedRecord.occurred_at >= start - STATE_LOOKBACK,
                                SyncedRecord.occurred_at < end))
        for record, username in rows:
            if record.kind == "call_record":
                call = _call(record)
                if call is not None and start <= call.started_at < end:
                    calls.setdefault(username, []).append(call)
            else:
                state = _state(record)
                if state is not None:
                    states.setdefault(username, []).append(state)
        ids = [c.id for cs in calls.values() for c in cs]
        owner_of = {c.id: agent for agent, cs in calls.items() for c in cs}
        for first in range(0, len(ids), 500):
            for record in s.scalars(select(SyncedRecord).where(
                    SyncedRecord.kind == "wrapup",
                    SyncedRecord.call_record_id.in_(ids[first:first + 500]))):
                wrapup = _wrapup(record)
                if wrapup is not None:
                    wrapups.setdefault(owner_of[wrapup.call_record_id], []).append(wrapup)
    result = []
    for agent in sorted(set(calls) | set(states)):
        for period_start, period_end in periods(start, end, by, zone):
            figures = compute_figures(calls.get(agent, []), wrapups.get(agent, []),
                                      states.get(agent, []), flags_of, period_start,
                                      period_end, now=now)
            result.append(AgentPeriodFigures(agent, period_start, period_end, figures))
    return result


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}"


COLUMNS = ("agent", "period_start", "calls", "handled", "avg_talk_s", "avg_hold_s",
           "avg_acw_s", "avg_handle_s", "fcr_pct", "conversion_pct", "contacted",
           "auto_wrapped", "unwrapped", "occupancy_pct",
           *(f"{state}_s" for state in STATES))


def report_rows(items: Iterable[AgentPeriodFigures], zone: tzinfo) -> list[list[str]]:
    rows = [list(COLUMNS)]
    for item in items:
        f = item.figures
        state_time: Mapping[str, float] = f.time_in_state
        rows.append([
            item.agent, item.start.astimezone(zone).isoformat(), str(f.calls_total),
            str(f.calls_handled), _seconds(f.average_talk_seconds),
            _seconds(f.average_hold_seconds), _seconds(f.average_acw_seconds),
            _seconds(f.average_handle_seconds), _percent(f.first_contact_resolution_rate),
            _percent(f.conversion_rate), str(f.contacted_calls), str(f.auto_wrapped_calls),
            str(f.unwrapped_calls), _percent(f.occupancy),
            *(_seconds(state_time.get(state, 0.0)) for state in STATES)])
    return rows
