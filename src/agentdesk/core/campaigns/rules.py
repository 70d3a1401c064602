"""A campaign's calling rules: the model the dial gate reads (no I/O).

Calling hours are written per weekday in the LEAD's local time, start inclusive and
end exclusive: {"mon-fri": "09:00-21:00", "sat": "10:00-18:00", "sun": "closed"}.
A key is a day (mon..sun) or a range of days (mon-fri; fri-mon wraps over the
weekend); a day no key names is closed; a day named twice is an error. An end of
"24:00" runs to the end of the day.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OUTCOMES = ("connected", "busy", "no_answer", "rejected", "failed", "invalid")
RETRY_OUTCOMES = ("busy", "no_answer", "rejected", "failed")

_WINDOW = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])-(([01][0-9]|2[0-3]):([0-5][0-9])|24:00)$")


class RulesError(ValueError):
    """A calling-hours spec (or another rule) that cannot be used; `field` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True, slots=True)
class Window:
    """Minutes since local midnight: start inclusive, end exclusive (1440 = 24:00)."""

    start: int
    end: int

    def __str__(self) -> str:
        def hhmm(minutes: int) -> str:
            return f"{minutes // 60:02d}:{minutes % 60:02d}"
        return f"{hhmm(self.start)}-{hhmm(self.end)}"


# Monday first, as date.weekday() counts; None: closed that day.
WeekHours = tuple[Window | None, ...]


def parse_window(text: str, where: str) -> Window:
    match = _WINDOW.match(text.strip())
    if match is None:
        raise RulesError(where, f'{text!r} is not "HH:MM-HH:MM" or "closed"')
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = 1440 if match.group(3) == "24:00" else int(match.group(4)) * 60 + int(match.group(5))
    if end <= start:
        raise RulesError(where, f"{text!r} ends before it starts")
    return Window(start, end)


def _days_of(key: str, where: str) -> list[int]:
    names = key.strip().lower().split("-")
    if len(names) not in (1, 2) or any(n not in DAYS for n in names):
        raise RulesError(where, f"{key!r} is not a day (mon..sun) or a range like mon-fri")
    first = DAYS.index(names[0])
    last = DAYS.index(names[-1])
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def parse_calling_hours(spec: Mapping[str, Any], where: str = "calling_hours") -> WeekHours:
    """The week from a spec like {"mon-fri": "09:00-21:00", "sun": "closed"}."""
    week: list[Window | None] = [None] * 7
    named: dict[int, str] = {}
    for key, value in spec.items():
        if not isinstance(key, str):
            raise RulesError(where, f"{key!r} is not a day or a range of days")
        path = f"{where}.{key}"
        days = _days_of(key, path)
        if not isinstance(value, str):
            raise RulesError(path, 'must be "HH:MM-HH:MM" or "closed"')
        window = None if value.strip().lower() == "closed" else parse_window(value, path)
        for day in days:
            if day in named:
                raise RulesError(path, f"{DAYS[day]} is already given by {named[day]!r}")
            named[day] = key
            week[day] = window
    return tuple(week)


def hours_document(week: WeekHours) -> dict[str, str]:
    return {DAYS[d]: ("closed" if w is None else str(w)) for d, w in enumerate(week)}


@dataclass(frozen=True, slots=True)
class CampaignRules:
    """What the dial gate needs of a campaign (a checked campaign file's rules)."""

    id: str
    calling_hours: WeekHours
    closed_dates: frozenset[date] = frozenset()
    default_timezone: str | None = None
    require_consent: bool = False
    max_attempts: int | None = None
    max_attempts_per_day: int | None = None
    max_calls_per_number_24h: int | None = None
    retry_minutes: Mapping[str, int] = field(default_factory=dict, hash=False)
    starts: date | None = None
    ends: date | None = None
    default_region: str = "CN"
    # the rule set's version: a digest of every rule (stored with each decision)
    version: str = field(init=False, compare=False, hash=False, repr=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "version", _version(self))

    def date_closed(self, local: date) -> bool:
        """A lead-local date with no calls: a closed date, or outside starts..ends."""
        return (local in self.closed_dates or (self.starts is not None and local < self.starts)
                or (self.ends is not None and local > self.ends))


def _version(self: CampaignRules) -> str:
    doc = {
        "hours": hours_document(self.calling_hours),
        "closed": sorted(d.isoformat() for d in self.closed_dates),
        "tz": self.default_timezone, "consent": self.require_consent,
        "max": self.max_attempts, "day": self.max_attempts_per_day,
        "cap": self.max_calls_per_number_24h, "retry": dict(sorted(self.retry_minutes.items())),
        "starts": self.starts.isoformat() if self.starts else None,
        "ends": self.ends.isoformat() if self.ends else None,
    }
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    return digest[:16]


@dataclass(frozen=True, slots=True)
class Lead:
    """A lead as the gate sees it. `number_zones` is what phonenumbers gives for the
    number (computed at import, else by the gate); `timezone` the lead's own."""

    lead_id: str
    phone: str  # E.164
    timezone: str | None = None
    consent: bool = False
    number_zones: tuple[str, ...] | None = None
