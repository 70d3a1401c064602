"""The dial gate: may this lead be dialled at this instant, and if not, why and when.

One pure function decides every dial (preview, progressive, callback, redial, typed
number): `decide(campaign, lead, attempts, lists, instant)`. Its reasons, in this
order (all that apply are given):

  dnc                 the number is on the global or the campaign's do-not-call list
  no_consent          the campaign requires consent and the lead has none
  max_attempts        the lead's attempts (at or before the instant) reach max_attempts
  max_attempts_today  ... those on the lead's local day reach max_attempts_per_day
  number_cap          calls to the number in the 24 h up to the instant, across all
                      campaigns, reach max_calls_per_number_24h
  unknown_timezone    no zone: not the lead's, none for its number, no default
  closed_date         a zone's local date is closed (closed_dates, before starts,
                      after ends)
  outside_hours       in some zone the local time is outside that weekday's window

Zones: the lead's own `timezone` if set, else every zone phonenumbers gives for the
number, else the campaign's `default_timezone`. The lead is callable only when the
instant is inside the day's window in EVERY zone and no zone's local date is closed.
The lead's local day (for max_attempts_today, and `local_time`) is its first zone's
(UTC when it has none). Offsets come from tzdata through zoneinfo, never fixed.

`next_eligible` is given only when every reason is closed_date / outside_hours: the
first whole UTC minute at or after the instant at which the time rules allow, looked
for within 35 days (from the campaign's `starts` when that is later); else None.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as number_timezone

from agentdesk.core.campaigns.rules import CampaignRules, Lead

REASONS = ("dnc", "no_consent", "max_attempts", "max_attempts_today", "number_cap",
           "unknown_timezone", "closed_date", "outside_hours")
TIME_REASONS = frozenset({"closed_date", "outside_hours"})
_UNKNOWN_ZONE = "Etc/Unknown"
_DAY = timedelta(days=1)
_MINUTE = timedelta(minutes=1)
NEXT_ELIGIBLE_HORIZON = timedelta(days=35)


@dataclass(frozen=True, slots=True)
class Attempts:
    """Times of the lead's attempts in this campaign, and of every call to its number
    (all campaigns, manual dials too). Times after the decided instant are ignored."""

    lead: Sequence[datetime] = ()
    number: Sequence[datetime] = ()


@dataclass(frozen=True, slots=True)
class DncLists:
    """Numbers (E.164) on the global list and on the campaign's own list."""

    global_numbers: Collection[str] = frozenset()
    campaign_numbers: Collection[str] = frozenset()

    def hits(self, phone: str) -> tuple[str, ...]:
        found = []
        if phone in self.global_numbers:
            found.append("global")
        if phone in self.campaign_numbers:
            found.append("campaign")
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reasons: tuple[str, ...]
    zones: tuple[str, ...]
    local_time: datetime | None  # in the first zone (UTC-aware when there is none)
    next_eligible: datetime | None
    list_hits: tuple[str, ...] = ()
    rules_version: str = ""

    def audit(self) -> dict[str, object]:
        """The decision and its inputs as a JSON object (stored for audit)."""
        return {"allowed": self.allowed, "reasons": list(self.reasons),
                "zones": list(self.zones),
                "local_time": self.local_time.isoformat() if self.local_time else None,
                "next_eligible": self.next_eligible.isoformat() if self.next_eligible else None,
                "list_hits": list(self.list_hits), "rules_version": self.rules_version}


@functools.lru_cache(maxsize=65536)
def number_zones(e164: str) -> tuple[str, ...]:
    """Every IANA zone phonenumbers gives for a number; () when it knows none."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ()
    return zones_of_parsed(parsed)


def zones_of_parsed(parsed: phonenumbers.PhoneNumber) -> tuple[str, ...]:
    """number_zones for a number phonenumbers has parsed already."""
    zones = number_timezone.time_zones_for_number(parsed)
    return tuple(z for z in zones if z != _UNKNOWN_ZONE and _zone(z) is not None)


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def known_zone(name: str) -> bool:
    return _zone(name) is not None


def lead_zones(campaign: CampaignRules, lead: Lead) -> tuple[str, ...]:
    if lead.timezone:
        return (lead.timezone,) if _zone(lead.timezone) is not None else ()
    zones = lead.number_zones if lead.number_zones is not None else number_zones(lead.phone)
    if zones:
        return zones
    if campaign.default_timezone and _zone(campaign.default_timezone) is not None:
        return (campaign.default_timezone,)
    return ()


def _zone_blocks(campaign: CampaignRules, local: datetime) -> tuple[bool, bool]:
    """(closed date, outside hours) for one zone's local time."""
    local_date = local.date()
    if campaign.date_closed(local_date):
        return True, False
    window = campaign.calling_hours[local_date.weekday()]
    minute = local.hour * 60 + local.minute
    return False, window is None or not window.start <= minute < window.end


def decide(campaign: CampaignRules, lead: Lead, attempts: Attempts, lists: DncLists,
           instant: datetime) -> Decision:
    """Whether `lead` may be dialled at `instant` (aware), with every reason it may not."""
    if instant.tzinfo is None:
        raise ValueError("the instant must be timezone-aware")
    reasons: list[str] = []
    hits = lists.hits(lead.phone)
    if hits:
        reasons.append("dnc")
    if campaign.require_consent and not lead.consent:
        reasons.append("no_consent")
    zones = lead_zones(campaign, lead)
    locals_ = [instant.astimezone(_zone(name)) for name in zones]
    local = locals_[0] if locals_ else instant.astimezone(UTC)
    past = [a for a in attempts.lead if a <= instant] if attempts.lead else []
    if campaign.max_attempts is not None and len(past) >= campaign.max_attempts:
        reasons.append("max_attempts")
    if campaign.max_attempts_per_day is not None:
        today, tz = local.date(), local.tzinfo
        if sum(1 for a in past if a.astimezone(tz).date() == today) \
                >= campaign.max_attempts_per_day:
            reasons.append("max_attempts_today")
    if campaign.max_calls_per_number_24h is not None:
        since = instant - _DAY
        if sum(1 for a in attempts.number if since < a <= instant) \
                >= campaign.max_calls_per_number_24h:
            reasons.append("number_cap")
    if not zones:
        reasons.append("unknown_timezone")
    else:
        closed = outside = False
        for one in locals_:
            c, o = _zone_blocks(campaign, one)
            closed, outside = closed or c, outside or o
        if closed:
            reasons.append("closed_date")
        if outside:
            reasons.append("outside_hours")
    next_time = None
    if reasons and all(r in TIME_REASONS for r in reasons):
        next_time = next_eligible(campaign, zones, instant)
    return Decision(not reasons, tuple(reasons), zones, local, next_time, hits,
                    campaign.version)


def _ceil_minute(instant: datetime) -> datetime:
    instant = instant.astimezone(UTC)
    floor = instant.replace(second=0, microsecond=0)
    return floor if floor == instant else floor + _MINUTE


def next_eligible(campaign: CampaignRules, zones: tuple[str, ...],
                  instant: datetime) -> datetime | None:
    """The first whole UTC minute at or after `instant` when the time rules allow in
    every zone; None when there is none within NEXT_ELIGIBLE_HORIZON."""
    if not zones:
        return None
    start = _ceil_minute(instant)
    key = (campaign.id, campaign.version, zones, start)
    if key in _next_cache:
        return _next_cache[key]
    found = _next_eligible(campaign, zones, start)
    if len(_next_cache) >= _NEXT_CACHE_SIZE:
        _next_cache.clear()
    _next_cache[key] = found
    return found


# The time rules depend only on the rules, the zones and the minute: a campaign check
# at one instant computes each (zones, minute) once.
_NEXT_CACHE_SIZE = 8192
_next_cache: dict[tuple[str, str, tuple[str, ...], datetime], datetime | None] = {}


def _next_eligible(campaign: CampaignRules, zones: tuple[str, ...],
                   start: datetime) -> datetime | None:
    """The allowed times of each zone as UTC intervals, intersected; searched over a
    week first, then NEXT_ELIGIBLE_HORIZON (from the campaign's first day if later)."""
    low = start
    if campaign.starts is not None:
        first_day = datetime.combine(campaign.starts - _DAY * 2, datetime.min.time(), UTC)
        low = max(low, first_day)
    low = low.replace(hour=0, minute=0)  # whole UTC days: the zones' spans are reused
    for horizon in (timedelta(days=9), NEXT_ELIGIBLE_HORIZON + _DAY):
        high = low + horizon
        common: list[tuple[datetime, datetime]] | None = None
        for name in zones:
            zone = _zone(name)
            assert zone is not None
            key = (campaign.id, campaign.version, name, low, horizon)
            spans = _spans_cache.get(key)
            if spans is None:
                if len(_spans_cache) >= _SPANS_CACHE_SIZE:
                    _spans_cache.clear()
                spans = _spans_cache[key] = _zone_intervals(campaign, zone, low, high)
            common = spans if common is None else _intersect(common, spans)
            if not common:
                break
        for begin, end in common or ():
            found = _ceil_minute(max(begin, start))
            if found < end:
                return found
    return None


_SPANS_CACHE_SIZE = 4096
_spans_cache: dict[tuple[str, str, str, datetime, timedelta],
                   list[tuple[datetime, datetime]]] = {}
_SEGMENTS_CACHE_SIZE = 4096
_segments_cache: dict[tuple[str, datetime, datetime],
                      list[tuple[datetime, datetime, timedelta]]] = {}


def _offset_segments(zone: ZoneInfo, low: datetime, high: datetime,
                     ) -> list[tuple[datetime, datetime, timedelta]]:
    """[low, high) cut where the zone's UTC offset changes: (from, to, offset). The
    offset is sampled twice a day and each change found to the minute."""
    key = (zone.key, low, high)
    found = _segments_cache.get(key)
    if found is not None:
        return found
    if len(_segments_cache) >= _SEGMENTS_CACHE_SIZE:
        _segments_cache.clear()
    segments = _segments_cache[key] = []
    begin, offset = low, _offset_at(zone, low)
    probe = low
    while probe < high:
        step = min(probe + timedelta(hours=12), high)
        after = _offset_at(zone, step)
        if after != offset:
            change = _offset_change(zone, probe, step, offset)
            assert change is not None and offset is not None
            segments.append((begin, change, offset))
            begin, offset = change, _offset_at(zone, change)
            probe = change
            continue
        probe = step
    assert offset is not None
    segments.append((begin, high, offset))
    return segments


def _zone_intervals(campaign: CampaignRules, zone: ZoneInfo, low: datetime,
                    high: datetime) -> list[tuple[datetime, datetime]]:
    """The UTC intervals in [low, high) when the zone's local date is open and its local
    time inside that weekday's window, merged where they touch."""
    spans: list[tuple[datetime, datetime]] = []
    midnight = datetime.min.time()
    for seg_from, seg_to, offset in _offset_segments(zone, low, high):
        day = (seg_from + offset).date() - _DAY
        last = (seg_to + offset).date()
        while day <= last:
            window = campaign.calling_hours[day.weekday()]
            if window is not None and not campaign.date_closed(day):
                base = datetime.combine(day, midnight, UTC) - offset
                begin = max(base + timedelta(minutes=window.start), seg_from)
                end = min(base + timedelta(minutes=window.end), seg_to)
                if begin < end:
                    if spans and spans[-1][1] >= begin:
                        spans[-1] = (spans[-1][0], max(spans[-1][1], end))
                    else:
                        spans.append((begin, end))
            day += _DAY
    return spans


def _intersect(a: list[tuple[datetime, datetime]],
               b: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    out = []
    i = j = 0
    while i < len(a) and j < len(b):
        begin, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if begin < end:
            out.append((begin, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _offset_at(zone: ZoneInfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _offset_change(zone: ZoneInfo, t: datetime, until: datetime,
                   offset: timedelta | None) -> datetime | None:
    """The first whole minute in (t, until] with another offset than `offset` (one
    change assumed in between); None when `until` still has it."""
    if _offset_at(zone, until) == offset:
        return None
    low, high = t, _ceil_minute(until)  # offset(low) == offset; offset(high) differs
    while high - low > _MINUTE:
        mid = low + ((high - low) // 2 // _MINUTE) * _MINUTE
        if _offset_at(zone, mid) == offset:
            low = mid
        else:
            high = mid
    return high


def local_date_of(instant: datetime, zones: tuple[str, ...]) -> date:
    zone = _zone(zones[0]) if zones else None
    return instant.astimezone(zone if zone is not None else UTC).date()
