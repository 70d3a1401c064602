"""The campaign file (YAML or JSON) -> a checked campaign document and its rules.

The document is a superset of the minimum campaign shape the server has always taken
({"id", "title", "assigned", "leads"?, "script_id"?}); every key of docs/campaigns.md
is checked here, unknown keys are kept as they are. `leads` (customer ids) is now
optional: leads usually come from `agentdesk-server import leads`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import phonenumbers

from agentdesk.core.campaigns.gate import known_zone
from agentdesk.core.campaigns.rules import (
    RETRY_OUTCOMES,
    CampaignRules,
    RulesError,
    WeekHours,
    parse_calling_hours,
)
from agentdesk.core.scripts.source import parse_yaml

CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
CUSTOMER_ID_MAX = 64
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
MODES = ("preview", "progressive")
# No calling_hours in the document: 08:00-21:00 every day (the US federal and the
# Chinese carriers' window), never "any time".
DEFAULT_HOURS = {"mon-sun": "08:00-21:00"}
DEFAULT_CALLBACK_GRACE_MINUTES = 60
Path = tuple[str | int, ...]


def path_text(path: Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


@dataclass(frozen=True, slots=True)
class FieldProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{path_text(self.path)}: {self.message}"


class CampaignInvalidError(ValueError):
    """Every problem of a campaign document; `problems` in document order."""

    def __init__(self, key: str, problems: list[FieldProblem]) -> None:
        self.key = key
        self.problems = problems
        super().__init__("; ".join(f"campaign {key!r}: {p}" for p in problems))


@dataclass(frozen=True, slots=True)
class Campaign:
    """A checked campaign: its document (JSON-ready) and what the gate reads."""

    document: dict[str, Any]
    rules: CampaignRules

    @property
    def id(self) -> str:
        return self.rules.id

    @property
    def mode(self) -> str:
        return str(self.document.get("mode", "preview"))

    @property
    def callback_grace_minutes(self) -> int:
        value = self.document.get("callback_grace_minutes", DEFAULT_CALLBACK_GRACE_MINUTES)
        return int(value)

    @property
    def retry_minutes(self) -> Mapping[str, int]:
        return self.rules.retry_minutes


def _json_ready(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


class _Checker:
    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.problems: list[FieldProblem] = []

    def fail(self, path: Path, message: str) -> None:
        self.problems.append(FieldProblem(path, message))

    def count(self, name: str) -> int | None:
        value = self.doc.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.fail((name,), "must be a whole number >= 0, or null")
            return None
        return value

    def day(self, value: Any, path: Path) -> date | None:
        if value is None:
            return None
        if isinstance(value, datetime):
            self.fail(path, "must be a date YYYY-MM-DD, not a time")
            return None
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail(path, f"{value!r} is not a date YYYY-MM-DD")
        return None


def check_campaign_document(key: str, doc: Mapping[str, Any]) -> Campaign:
    """The campaign, or CampaignInvalidError naming every bad field."""
    c = _Checker(doc)
    if doc.get("id") != key:
        c.fail(("id",), f"must be the campaign's key {key!r}, got {doc.get('id')!r}")
    elif not CAMPAIGN_ID.match(key):
        c.fail(("id",), "must be 1-64 letters, digits, '_' or '-'")
    title = doc.get("title")
    titles = list(title.values()) if isinstance(title, dict) and title else [title]
    if not all(isinstance(t, str) and t.strip() for t in titles):
        c.fail(("title",), "must be a non-empty string, or an object of language -> string")
    if doc.get("mode", "preview") not in MODES:
        c.fail(("mode",), f"must be one of {', '.join(MODES)}")
    assigned = doc.get("assigned")
    if not isinstance(assigned, dict):
        c.fail(("assigned",), 'must be an object {"teams": [...], "agents": [...]}')
    else:
        for name in ("teams", "agents"):
            names = assigned.get(name, [])
            if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                c.fail(("assigned", name), "must be a list of non-empty strings")
    if "leads" in doc:
        leads = doc["leads"]
        if not isinstance(leads, list):
            c.fail(("leads",), "must be a list of customer ids")
        else:
            for n, lead in enumerate(leads):
                if not isinstance(lead, str) or not 0 < len(lead) <= CUSTOMER_ID_MAX:
                    c.fail(("leads", n),
                           f"must be a customer id of 1-{CUSTOMER_ID_MAX} characters")
    for name in ("script_id", "code_set"):
        value = doc.get(name)
        if value is not None and not (isinstance(value, str) and value):
            c.fail((name,), "must be a string or null")
    region = doc.get("default_region", "CN")
    if not isinstance(region, str) or region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        c.fail(("default_region",), f"{region!r} is not a region code like CN or US")
        region = "CN"
    hours_spec = doc.get("calling_hours", DEFAULT_HOURS)
    week: WeekHours = parse_calling_hours(DEFAULT_HOURS)
    if not isinstance(hours_spec, dict) or not hours_spec:
        c.fail(("calling_hours",), 'must be an object like {"mon-fri": "09:00-21:00"}')
    else:
        try:
            week = parse_calling_hours(hours_spec)
        except RulesError as exc:
            c.fail(tuple(exc.field.split(".", 1)), exc.message)
    closed: set[date] = set()
    closed_spec = doc.get("closed_dates", [])
    if not isinstance(closed_spec, list):
        c.fail(("closed_dates",), "must be a list of dates YYYY-MM-DD")
    else:
        for n, value in enumerate(closed_spec):
            day = c.day(value, ("closed_dates", n))
            if day is not None:
                closed.add(day)
    zone = doc.get("default_timezone")
    if zone is not None and not (isinstance(zone, str) and known_zone(zone)):
        c.fail(("default_timezone",), f"{zone!r} is not an IANA time zone (or null)")
        zone = None
    consent = doc.get("require_consent", False)
    if not isinstance(consent, bool):
        c.fail(("require_consent",), "must be true or false")
        consent = False
    counts = {name: c.count(name) for name in (
        "max_attempts", "max_attempts_per_day", "max_calls_per_number_24h",
        "preview_timeout_s", "callback_grace_minutes")}
    retry: dict[str, int] = {}
    retry_spec = doc.get("retry_minutes", {})
    if not isinstance(retry_spec, dict):
        c.fail(("retry_minutes",), f"must be an object of {', '.join(RETRY_OUTCOMES)}")
    else:
        for name, value in retry_spec.items():
            if name not in RETRY_OUTCOMES:
                c.fail(("retry_minutes", name),
                       f"unknown outcome; outcomes are {', '.join(RETRY_OUTCOMES)}")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                c.fail(("retry_minutes", name), "must be a whole number of minutes >= 0")
            else:
                retry[name] = value
    caller_id = doc.get("caller_id")
    if caller_id is not None and not (isinstance(caller_id, str) and E164.match(caller_id)):
        c.fail(("caller_id",), "must be an E.164 number like +861065529900, or null")
    starts, ends = c.day(doc.get("starts"), ("starts",)), c.day(doc.get("ends"), ("ends",))
    if starts and ends and ends < starts:
        c.fail(("ends",), "must not be before starts")
    if c.problems:
        raise CampaignInvalidError(key, c.problems)
    rules = CampaignRules(
        key, week, frozenset(closed), zone, consent, counts["max_attempts"],
        counts["max_attempts_per_day"], counts["max_calls_per_number_24h"], retry,
        starts, ends, region.upper())
    return Campaign(_json_ready(dict(doc)), rules)


@dataclass(frozen=True, slots=True)
class LocatedProblem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class CampaignFileError(ValueError):
    def __init__(self, problems: list[LocatedProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def parse_campaign_file(text: str, file: str) -> Campaign:
    """A campaign file (YAML, or JSON which YAML reads too): the checked campaign, or
    CampaignFileError with every problem at its line:col."""
    data, locator, problems = parse_yaml(text, file)
    if problems:
        raise CampaignFileError([LocatedProblem(file, p.location.line, p.location.column,
                                                p.message) for p in problems])
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not data["id"]:
        raise CampaignFileError([LocatedProblem(
            file, 1, 1, 'a campaign is an object with its "id"')])
    try:
        return check_campaign_document(data["id"], data)
    except CampaignInvalidError as exc:
        located = []
        for p in exc.problems:
            where = locator.at(p.path)
            located.append(LocatedProblem(file, where.line, where.column,
                                          f"campaign {exc.key!r}: {p}"))
        raise CampaignFileError(located) from None


def campaign_from_document(document: Mapping[str, Any]) -> Campaign:
    """A stored (already checked) document back into a campaign."""
    return check_campaign_document(str(document.get("id")), document)
