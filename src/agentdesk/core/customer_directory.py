"""The customer file as the screen pop sees it, and the port that looks customers up.

A customer comes from the server (search endpoints) or, when the server cannot be
reached, from the local store's reference cache; either way it is the same frozen
`Customer`. Results say where they came from: an offline copy carries the time it was
last synced, so the agent is told "offline copy from <time>" instead of trusting
stale data silently.

The customer document is the server's customer columns plus an `extra` dict. CSV
imports keep extra columns as text, so the screen-pop keys of `extra` (consent, dnc,
complaints, ...) are read tolerantly: a JSON string is accepted where an object is
expected. A document that is not a customer at all raises `CustomerDocumentError`
naming the customer and the field.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from agentdesk.core.caller_identity import normalize_number
from agentdesk.core.records import (
    AccessReason,
    LocalStore,
    RecordKind,
    payload_of,
)

LIFECYCLE_STAGES = ("prospect", "active", "at_risk", "churned")
MAX_SEARCH_RESULTS = 50
_TRUE_WORDS = frozenset({"1", "true", "yes", "y", "on", "是"})


class CustomerDocumentError(ValueError):
    """A customer document lacks a field or has one of the wrong type."""


class DirectoryUnavailableError(RuntimeError):
    """Neither the server nor the local copy could answer; the message says why."""


@dataclass(frozen=True, slots=True)
class Complaint:
    id: str
    summary: str
    status: str  # "open", "escalated", "closed", ...
    opened_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status.lower() not in ("closed", "resolved")

    def age_days(self, now: datetime) -> int | None:
        if self.opened_at is None:
            return None
        return max(0, (now - self.opened_at).days)


@dataclass(frozen=True, slots=True)
class Customer:
    customer_id: str
    first_name: str
    last_name: str
    phone: str  # E.164
    email: str = ""
    account: str = ""
    segment: str = ""
    language: str = ""
    timezone: str = ""
    native_name: str = ""
    city: str = ""
    tier: str = ""
    lifecycle: str = ""  # one of LIFECYCLE_STAGES, or "" when unknown
    dnc: bool = False
    consent: tuple[tuple[str, bool], ...] = ()  # (channel, allowed), sorted by channel
    complaints: tuple[Complaint, ...] = ()
    other_phones: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # every extra key, as sent

    @property
    def display_name(self) -> str:
        """The name an agent reads out: the native name when there is one."""
        if self.native_name:
            return self.native_name
        if _is_cjk(self.last_name + self.first_name):
            return f"{self.last_name}{self.first_name}"
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def phones(self) -> tuple[str, ...]:
        return (self.phone, *[p for p in self.other_phones if p != self.phone])

    @property
    def open_complaints(self) -> tuple[Complaint, ...]:
        return tuple(c for c in self.complaints if c.is_open)

    def consent_for(self, channel: str) -> bool | None:
        for name, allowed in self.consent:
            if name == channel:
                return allowed
        return None

    @classmethod
    def from_document(cls, key: str, doc: Mapping[str, Any]) -> Customer:
        """Build from a pulled/searched customer document (columns + `extra`)."""
        where = f"customer {key!r}"
        extra = doc.get("extra")
        extra = {} if extra is None else extra
        if not isinstance(extra, Mapping):
            raise CustomerDocumentError(f"{where}: field 'extra' is not an object")
        first = _text(doc, "first_name", where)
        last = _text(doc, "last_name", where)
        phone = _text(doc, "phone", where)
        if not phone:
            raise CustomerDocumentError(f"{where}: field 'phone' is missing")
        phones = doc.get("phones")
        other = tuple(p for p in phones if isinstance(p, str) and p) if isinstance(
            phones, list) else ()
        lifecycle = _text(extra, "lifecycle", where).lower()
        return cls(
            customer_id=str(doc.get("customer_id") or key), first_name=first, last_name=last,
            phone=phone, email=_text(doc, "email", where), account=_text(doc, "account", where),
            segment=_text(doc, "segment", where), language=_text(doc, "language", where),
            timezone=_text(doc, "timezone", where),
            native_name=_text(extra, "native_name", where), city=_text(extra, "city", where),
            tier=_text(extra, "tier", where),
            lifecycle=lifecycle if lifecycle in LIFECYCLE_STAGES else "",
            dnc=_flag(extra.get("dnc")), consent=_consent(extra.get("consent"), where),
            complaints=_complaints(extra.get("complaints"), where), other_phones=other,
            extra=dict(extra))

    def to_document(self) -> dict[str, Any]:
        """The server's customer shape (sync.wire.CustomerIn plus the id)."""
        extra = dict(self.extra)
        for name in ("native_name", "city", "tier", "lifecycle"):
            value = getattr(self, name)
            if value:
                extra[name] = value
            else:
                extra.pop(name, None)
        extra["dnc"] = self.dnc
        if self.consent:
            extra["consent"] = dict(self.consent)
        return {"customer_id": self.customer_id, "first_name": self.first_name,
                "last_name": self.last_name, "phone": self.phone,
                "email": self.email or None, "account": self.account or None,
                "segment": self.segment or None, "language": self.language or None,
                "timezone": self.timezone or None, "extra": extra}


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _text(doc: Mapping[str, Any], name: str, where: str) -> str:
    value = doc.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CustomerDocumentError(f"{where}: field {name!r} is not text")
    return str(value).strip()


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in _TRUE_WORDS


def _maybe_json(value: object, name: str, where: str) -> object:
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise CustomerDocumentError(f"{where}: field 'extra.{name}' is neither an "
                                        f"object nor JSON text") from None
    return value


def _consent(value: object, where: str) -> tuple[tuple[str, bool], ...]:
    value = _maybe_json(value, "consent", where)
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise CustomerDocumentError(f"{where}: field 'extra.consent' is not an object of "
                                    f"channel -> bool")
    return tuple(sorted((str(k), _flag(v)) for k, v in value.items()))


def _complaints(value: object, where: str) -> tuple[Complaint, ...]:
    value = _maybe_json(value, "complaints", where)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise CustomerDocumentError(f"{where}: field 'extra.complaints' is not a list")
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise CustomerDocumentError(
                f"{where}: field 'extra.complaints[{index}]' is not an object")
        found.append(Complaint(id=str(item.get("id") or index),
                               summary=str(item.get("summary") or ""),
                               status=str(item.get("status") or "open"),
                               opened_at=parse_time(item.get("opened_at"))))
    return tuple(found)


def parse_time(value: object) -> datetime | None:
    """An ISO-8601 time with zone, or None for anything else (never a naive time)."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


# --- the customer file: history and promises ----------------------------------------

class TimelineKind(Enum):
    CALL = "call"
    NOTE = "note"
    CALLBACK = "callback"
    CHANGE = "change"  # the customer's data changed (on a desktop, or by a supervisor)
    OTHER = "other"  # another channel's record, shown with its kind


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a customer change: `extra.KEY` for an extra attribute; values as
    text, None for "not set"."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    kind: TimelineKind
    at: datetime
    agent: str = ""  # the username that recorded it, "" when unknown
    direction: str = ""  # calls: "inbound" | "outbound"
    duration_seconds: float | None = None  # calls: connected to ended
    connected: bool = False  # calls: someone answered
    wrapup_codes: tuple[str, ...] = ()
    text: str = ""  # the wrap-up note, the note's text, the callback's note
    channel: str = ""  # OTHER: the record kind as sent
    record_id: str = ""  # "" for a colleague's record (the server does not hand it out)
    changes: tuple[FieldChange, ...] = ()  # CHANGE: the fields, in the server's order


@dataclass(frozen=True, slots=True)
class Promise:
    """Something promised on a call: it needs an owner and a due time."""

    id: str
    kind: str  # "callback" (tasks arrive with the back-office integration)
    due_at: datetime
    owner: str  # an agent's username, or "team" / "anyone"
    note: str = ""
    customer_timezone: str = ""
    created_at: datetime | None = None

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at < now

    def is_owned_by(self, agent: str) -> bool:
        return bool(agent) and self.owner == agent


@dataclass(frozen=True, slots=True)
class RecordView:
    """One synced record as the timeline endpoint returns it (sync.wire.RecordOut)."""

    kind: str
    payload: Mapping[str, Any]
    owner: str = ""  # the agent who recorded it


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    timeline: tuple[TimelineEntry, ...] = ()  # newest first
    open_promises: tuple[Promise, ...] = ()  # soonest due first
    last_contact_at: datetime | None = None  # the latest call with this customer
    complete: bool = True  # False: only the first page, or nothing offline


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where an answer came from: the server now, or a local copy synced at a time."""

    offline: bool = False
    copy_from: datetime | None = None  # the local copy's last sync, when offline
    reason: str = ""  # why the server was not asked / did not answer


ONLINE = Provenance()


@dataclass(frozen=True, slots=True)
class LookupResult:
    customers: tuple[Customer, ...]
    histories: Mapping[str, CustomerHistory]  # by customer id; may lack some
    provenance: Provenance = ONLINE


@dataclass(frozen=True, slots=True)
class CustomerFile:
    customer: Customer
    history: CustomerHistory
    provenance: Provenance = ONLINE


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What to look for; empty fields are not criteria. Phone is E.164 (or digits)."""

    customer_id: str = ""
    account: str = ""
    phone: str = ""
    name: str = ""  # a prefix of a first, last or native name
    limit: int = 20

    @property
    def empty(self) -> bool:
        return not (self.customer_id or self.account or self.phone or self.name)


class CustomerDirectory(Protocol):
    """Blocking: call from a worker thread, never the GUI thread."""

    def search(self, query: SearchQuery) -> LookupResult:
        """Every customer matching any given criterion (at most `query.limit`), with the
        contact summary (last contact, open promises) of each, for ranking."""

    def customer_file(self, customer_id: str, *, page_size: int = 50) -> CustomerFile | None:
        """One customer and the newest page of their history; None if unknown."""

    def record_access(self, customer_id: str, reason: AccessReason,
                      call_record_id: str | None = None) -> None:
        """Record one read of a customer file (written through the outbox)."""


# --- folding records into a history --------------------------------------------------

def build_history(records: Sequence[RecordView], *, complete: bool = True) -> CustomerHistory:
    """Timeline and open promises from a customer's synced records.

    A wrap-up is shown on its call (the latest one that is not superseded wins). A
    callback stays open until a call with the customer starts after it was made: the
    promise was kept, or at least acted on, by whoever took that call.
    """
    calls: dict[str, Mapping[str, Any]] = {}
    call_owner: dict[str, str] = {}
    wrapups: dict[str, Mapping[str, Any]] = {}
    superseded: set[str] = set()
    entries: list[TimelineEntry] = []
    callbacks: list[RecordView] = []
    for record in records:
        payload = record.payload
        if record.kind == "call_record":
            calls[str(payload.get("id"))] = payload
            call_owner[str(payload.get("id"))] = record.owner
        elif record.kind == "wrapup":
            wrapups.setdefault(str(payload.get("call_record_id")), payload)
            if payload.get("supersedes_id"):
                superseded.add(str(payload["supersedes_id"]))
        elif record.kind == "callback":
            callbacks.append(record)
        elif record.kind == "note":
            at = parse_time(payload.get("created_at"))
            if at is not None:
                entries.append(TimelineEntry(TimelineKind.NOTE, at, record.owner,
                                             text=str(payload.get("text") or ""),
                                             record_id=str(payload.get("id") or "")))
        elif record.kind != "access_entry":
            at = parse_time(payload.get("started_at") or payload.get("created_at")
                            or payload.get("at"))
            if at is not None:
                entries.append(TimelineEntry(
                    TimelineKind.OTHER, at, record.owner, channel=record.kind,
                    text=str(payload.get("summary") or payload.get("text") or ""),
                    record_id=str(payload.get("id") or "")))
    current_wrapup = _current_wrapups(records, superseded)
    call_starts: list[datetime] = []
    for call_id, call in calls.items():
        started = parse_time(call.get("started_at"))
        if started is None:
            continue
        connected = parse_time(call.get("connected_at"))
        ended = parse_time(call.get("ended_at"))
        wrapup = current_wrapup.get(call_id) or wrapups.get(call_id) or {}
        codes = wrapup.get("codes") or ()
        call_starts.append(started)
        entries.append(TimelineEntry(
            TimelineKind.CALL, started, call_owner.get(call_id, ""),
            direction=str(call.get("direction") or ""),
            duration_seconds=(ended - connected).total_seconds()
            if connected is not None and ended is not None else None,
            connected=connected is not None,
            wrapup_codes=tuple(str(c) for c in codes) if isinstance(codes, list | tuple) else (),
            text=str(wrapup.get("note") or ""), record_id=call_id))
    promises = []
    for record in callbacks:
        payload = record.payload
        due = parse_time(payload.get("due_at"))
        created = parse_time(payload.get("created_at"))
        if due is None:
            continue
        entries.append(TimelineEntry(TimelineKind.CALLBACK, created or due, record.owner,
                                     text=str(payload.get("note") or ""),
                                     record_id=str(payload.get("id") or "")))
        kept = created is not None and any(start > created for start in call_starts)
        if kept:
            continue
        owner_kind = str(payload.get("owner") or "anyone")
        promises.append(Promise(
            id=str(payload.get("id") or ""), kind="callback", due_at=due,
            owner=record.owner if owner_kind == "me" and record.owner else owner_kind,
            note=str(payload.get("note") or ""),
            customer_timezone=str(payload.get("customer_timezone") or ""),
            created_at=created))
    entries.sort(key=lambda e: e.at, reverse=True)
    promises.sort(key=lambda p: p.due_at)
    return CustomerHistory(timeline=tuple(entries), open_promises=tuple(promises),
                           last_contact_at=max(call_starts, default=None), complete=complete)


def _current_wrapups(records: Sequence[RecordView],
                     superseded: set[str]) -> dict[str, Mapping[str, Any]]:
    current: dict[str, Mapping[str, Any]] = {}
    for record in records:
        if record.kind != "wrapup" or str(record.payload.get("id")) in superseded:
            continue
        call_id = str(record.payload.get("call_record_id"))
        saved = parse_time(record.payload.get("saved_at"))
        held = current.get(call_id)
        held_saved = parse_time(held.get("saved_at")) if held is not None else None
        if held is None or (saved is not None and (held_saved is None or saved > held_saved)):
            current[call_id] = record.payload
    return current


# --- this desktop's own records: the offline timeline, and what the server lacks -----

CUSTOMER_REFERENCE_KIND = "customer"  # the local copy's reference kind for customers


@dataclass(frozen=True, slots=True)
class LocalHistory:
    """A customer's history as this desktop recorded it."""

    history: CustomerHistory  # never complete: other desktops' records are on the server
    closed_promise_ids: frozenset[str] = frozenset()  # callbacks closed here (done, cancelled)


def local_history(store: LocalStore, customer_id: str, *, agent: str,
                  limit: int = 50) -> LocalHistory:
    """This desktop's newest calls with the customer (each with its current wrap-up),
    notes and callbacks, folded exactly like the server's records (`build_history`).
    A promise is a callback still open here. `agent` is this seat's username: every
    local record is this agent's. Blocking (store reads)."""
    calls = store.customer_history(customer_id, limit)
    wrapups = store.wrapups_for_calls([call.id for call in calls]) if calls else []
    notes = store.notes_for_customer(customer_id, limit)
    callbacks = store.list_callbacks(customer_id=customer_id, include_closed=True)
    open_ids = {str(c.id) for c in store.list_callbacks(customer_id=customer_id)
                } if callbacks else set()
    records = ([RecordView(RecordKind.CALL_RECORD.value, payload_of(c), agent) for c in calls]
               + [RecordView(RecordKind.WRAPUP.value, payload_of(w), agent) for w in wrapups]
               + [RecordView(RecordKind.NOTE.value, payload_of(n), agent) for n in notes]
               + [RecordView(RecordKind.CALLBACK.value, payload_of(c), agent)
                  for c in callbacks])
    history = build_history(records, complete=False)
    history = replace(history, open_promises=tuple(
        p for p in history.open_promises if p.id in open_ids))
    return LocalHistory(history, frozenset(str(c.id) for c in callbacks) - open_ids)


def with_local_records(server: CustomerHistory, local: LocalHistory) -> CustomerHistory:
    """The server's page of a customer's history plus what this desktop knows and the
    page does not: records not pushed yet (a note saved a second ago), the current
    wrap-up of a call re-opened here, callbacks closed here.

    A record the page holds (same record id) is shown once, as the server folded it.
    Local records older than the oldest entry of an incomplete page belong to older
    pages, so a record pushed long ago is not pulled back to the top.
    """
    mine = {entry.record_id: entry for entry in local.history.timeline if entry.record_id}
    oldest = (min((entry.at for entry in server.timeline), default=None)
              if not server.complete else None)

    def in_page(at: datetime | None) -> bool:
        return oldest is None or (at is not None and at >= oldest)

    entries: list[TimelineEntry] = []
    for entry in server.timeline:
        here = mine.get(entry.record_id)
        if (here is not None and entry.kind is TimelineKind.CALL
                and here.kind is TimelineKind.CALL and (here.wrapup_codes or here.text)):
            # Wrap-ups are made (and re-opened) on the desktop that took the call: the
            # local one is never older than the server's.
            entry = replace(entry, wrapup_codes=here.wrapup_codes, text=here.text)
        entries.append(entry)
    known = {entry.record_id for entry in server.timeline}
    entries += [entry for entry in local.history.timeline
                if entry.record_id not in known and in_page(entry.at)]
    # newest first; entries of the same instant in a fixed order, so a refresh
    # never reshuffles them
    entries.sort(key=lambda entry: (entry.at, entry.record_id), reverse=True)

    promised = {promise.id for promise in server.open_promises}
    promises = [p for p in server.open_promises if p.id not in local.closed_promise_ids]
    promises += [p for p in local.history.open_promises
                 if p.id not in promised and p.id not in known
                 and in_page(p.created_at or p.due_at)]
    promises.sort(key=lambda promise: promise.due_at)
    contacts = [t for t in (server.last_contact_at, local.history.last_contact_at) if t]
    return CustomerHistory(timeline=tuple(entries), open_promises=tuple(promises),
                           last_contact_at=max(contacts, default=None),
                           complete=server.complete)


def local_customer_file(store: LocalStore, customer_id: str, *, agent: str, limit: int = 50,
                        provenance: Provenance = ONLINE) -> CustomerFile | None:
    """The customer from the local copy with this desktop's history; None when the
    customer is not copied here. Raises CustomerDocumentError for an unreadable copy."""
    doc = store.get_reference(CUSTOMER_REFERENCE_KIND, customer_id)
    if doc is None:
        return None
    customer = Customer.from_document(customer_id, doc)
    return CustomerFile(customer, local_history(store, customer_id, agent=agent,
                                                limit=limit).history, provenance)


# --- changes the agent makes: contact edits and new customers ------------------------

class CustomerEditError(ValueError):
    """What the agent typed cannot be saved; the message names the customer and field."""


NEW_CUSTOMER_PREFIX = "N-"


def new_customer_id() -> str:
    """The id of a customer created on a desktop: "N-" and the 32 hex digits of a
    uuid4. It is as unique as every record id (122 random bits: no two desktops ever
    make the same one, with no server round trip), and imported ids ("C-1001") never
    start with "N-". 34 characters: within the server's 64."""
    return NEW_CUSTOMER_PREFIX + uuid.uuid4().hex


class CustomerDraft(Protocol):
    """What the new-customer form collects (core.customer_duplicates.NewCustomerDraft)."""

    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def native_name(self) -> str: ...
    @property
    def phone(self) -> str: ...
    @property
    def email(self) -> str: ...
    @property
    def account(self) -> str: ...
    @property
    def language(self) -> str: ...


def _phone(text: str, region: str, where: str) -> str:
    phone = normalize_number(text, region)
    if not phone:
        raise CustomerEditError(f"{where}: field 'phone': {text!r} is not a phone number "
                                f"(region {region or 'none'})")
    return phone


def new_customer_fields(draft: CustomerDraft, region: str) -> dict[str, Any]:
    """The draft as CustomerChange(created=True).fields. The phone is normalized to
    E.164 with the agent's region. A name given only in Chinese characters is also the
    family-name column (the server needs one Latin-or-native name column filled); the
    file shows the native name either way."""
    where = "new customer"
    first, last = draft.first_name.strip(), draft.last_name.strip()
    native = draft.native_name.strip()
    if not (first or last or native):
        raise CustomerEditError(f"{where}: field 'last_name': a name is required")
    fields: dict[str, Any] = {
        "first_name": first, "last_name": last or (native if not first else ""),
        "phone": _phone(draft.phone, region, where),
    }
    for name in ("email", "account", "language"):
        value = str(getattr(draft, name) or "").strip()
        if value:
            fields[name] = value
    if native:
        fields["extra"] = {"native_name": native}
    return fields


def customer_change_fields(before: Customer, after: Customer, region: str) -> dict[str, Any]:
    """What the agent changed between the shown customer and the edited one, as
    CustomerChange.fields: only changed columns, and in `extra` only the keys that
    changed. The server merges `extra` key by key, so a key the agent cleared is sent
    as null (left out, the old value would stay). Empty when nothing changed."""
    where = f"customer {after.customer_id!r}"
    if after.customer_id != before.customer_id:
        raise CustomerEditError(f"{where}: field 'customer_id' cannot be changed "
                                f"(was {before.customer_id!r})")
    old, new = before.to_document(), after.to_document()
    fields: dict[str, Any] = {}
    for name in ("first_name", "last_name", "phone", "email", "account", "segment",
                 "language", "timezone"):
        if new[name] != old[name]:
            fields[name] = new[name]
    if "phone" in fields:
        fields["phone"] = _phone(str(fields["phone"] or ""), region, where)
        if fields["phone"] == old["phone"]:
            del fields["phone"]
    old_extra, new_extra = old["extra"], new["extra"]
    extra = {key: new_extra.get(key) for key in sorted(set(old_extra) | set(new_extra))
             if new_extra.get(key) != old_extra.get(key)}
    if extra:
        fields["extra"] = extra
    return fields
