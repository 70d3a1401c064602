"""What the desktop records, and the port of the local store that keeps it.

Every record gets a client-generated UUID when it is made, so a record saved offline,
pushed twice or replayed after a crash is still one record on the server. Timestamps
are the client's clock (timezone-aware); the server's are authoritative for reports.

The `LocalStore` port is implemented by `agentdesk.store`; saving any record also
queues it in the outbox in the same transaction, and a wrap-up is committed durably.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Protocol, TypeAlias
from uuid import UUID


def new_record_id() -> UUID:
    return uuid.uuid4()


E164 = re.compile(r"\+[1-9][0-9]{6,14}")  # what every stored number is normalized to


class RecordKind(Enum):
    """The outbox's name for each record type: the values are sync.wire's RecordKind."""

    CALL_RECORD = "call_record"
    AGENT_STATE_CHANGE = "agent_state"
    WRAPUP = "wrapup"
    NOTE = "note"
    CALLBACK = "callback"
    ACCESS_ENTRY = "access_entry"
    CUSTOMER_CHANGE = "customer_change"
    CALLBACK_UPDATE = "callback_update"


class Direction(Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallbackOwner(Enum):
    ME = "me"
    TEAM = "team"
    ANYONE = "anyone"


class CallbackState(Enum):
    OPEN = "open"
    DONE = "done"  # the promise was kept: the customer was called back
    CANCELLED = "cancelled"  # no longer wanted (the customer said so, a duplicate, ...)


class AccessReason(Enum):
    POP = "pop"
    SEARCH = "search"
    CAMPAIGN_PREVIEW = "campaign_preview"


@dataclass(frozen=True, slots=True)
class ObjectionUse:
    """An objection the customer raised during the script, and the rebuttal used."""

    objection: str  # objection id in the script's library
    rebuttal: str | None  # rebuttal id, None when the agent opened none
    node: str  # the script node the detour started from
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("ObjectionUse.at must be timezone-aware")


def _check_json_value(value: object, where: str) -> None:
    """Refuse what JSON cannot carry unchanged, so a record round-trips exactly."""
    if value is None or isinstance(value, bool | int | str):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value!r} is not a JSON number")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_json_value(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where}: key {key!r} is not a string")
            _check_json_value(item, f"{where}.{key}")
        return
    raise ValueError(f"{where}: {type(value).__name__} is not a JSON value "
                     "(use str, int, float, bool, None, list or dict)")


@dataclass(frozen=True, slots=True)
class CallRecord:
    call_id: str  # the softphone's call id (SIP Call-ID), for tracing
    direction: Direction
    remote_number: str
    started_at: datetime
    connected_at: datetime | None = None
    ended_at: datetime | None = None
    sip_end_code: int | None = None
    customer_id: str | None = None
    script_id: str | None = None
    script_version: int | None = None
    script_path: tuple[str, ...] = ()  # node ids visited, in order
    queue: str | None = None
    dialed_number: str | None = None  # what the caller dialed (DNIS) / the lead's number
    campaign_id: str | None = None
    hold_seconds: float = 0.0  # total time the remote spent on hold during the call
    script_objections: tuple[ObjectionUse, ...] = ()
    # captured script fields: name -> JSON value (checked on creation)
    script_captured: Mapping[str, Any] = field(default_factory=dict, hash=False)
    id: UUID = field(default_factory=new_record_id)

    def __post_init__(self) -> None:
        captured = dict(self.script_captured)  # a private copy: the record stays as made
        _check_json_value(captured, "script_captured")
        object.__setattr__(self, "script_captured", captured)
        object.__setattr__(self, "script_objections", tuple(self.script_objections))
        if not math.isfinite(self.hold_seconds) or self.hold_seconds < 0:
            raise ValueError(f"hold_seconds must be a finite number >= 0, "
                             f"got {self.hold_seconds!r}")


@dataclass(frozen=True, slots=True)
class AgentStateChange:
    state: str  # the agent state machine's state name
    started_at: datetime
    ended_at: datetime | None = None
    reason_code: str | None = None  # not-ready reason, when there is one
    id: UUID = field(default_factory=new_record_id)


@dataclass(frozen=True, slots=True)
class WrapUp:
    call_record_id: UUID
    codes: tuple[str, ...]
    saved_at: datetime
    note: str = ""
    amount: Decimal | None = None
    callback_at: datetime | None = None
    auto_wrapped: bool = False  # the ACW timer ran out; reported apart from real outcomes
    supersedes_id: UUID | None = None  # a re-opened wrap-up records a change, never overwrites
    id: UUID = field(default_factory=new_record_id)


@dataclass(frozen=True, slots=True)
class Note:
    customer_id: str
    text: str
    created_at: datetime
    call_record_id: UUID | None = None
    id: UUID = field(default_factory=new_record_id)


@dataclass(frozen=True, slots=True)
class Callback:
    """A promise to call back. An unknown caller has no customer file yet: then the
    number to call is the promise's only anchor."""

    customer_id: str | None
    due_at: datetime  # an instant; the customer's time zone is for display
    customer_timezone: str
    owner: CallbackOwner
    note: str
    created_at: datetime
    call_record_id: UUID | None = None
    callback_number: str | None = None  # E.164; required when there is no customer
    id: UUID = field(default_factory=new_record_id)

    def __post_init__(self) -> None:
        if not self.customer_id and not self.callback_number:
            raise ValueError("a callback needs a customer or a number to call back")
        if self.callback_number is not None and not E164.fullmatch(self.callback_number):
            raise ValueError(f"callback_number must be E.164 (+ and digits), "
                             f"got {self.callback_number!r}")


@dataclass(frozen=True, slots=True)
class CallbackUpdate:
    """A callback closed: kept (done) or cancelled. The promise itself never changes;
    its closing is a record of its own, so both sides of the sync agree on history."""

    callback_id: UUID
    status: CallbackState
    updated_at: datetime
    note: str = ""
    call_record_id: UUID | None = None  # the call that kept the promise, if any
    id: UUID = field(default_factory=new_record_id)

    def __post_init__(self) -> None:
        if self.status is CallbackState.OPEN:
            raise ValueError("a callback update closes the callback: done or cancelled")


# The customer fields an agent may create or change from the desktop (the server's
# columns); `extra` is merged key by key, so a change never wipes what it doesn't name.
CUSTOMER_CHANGE_FIELDS = frozenset({
    "first_name", "last_name", "phone", "email", "account", "segment", "language",
    "timezone", "extra",
})


@dataclass(frozen=True, slots=True)
class CustomerChange:
    """A customer created or contact data edited on the desktop, applied to the local
    copy at once and to the server when pushed."""

    customer_id: str
    fields: Mapping[str, Any] = field(hash=False)
    changed_at: datetime
    created: bool = False
    call_record_id: UUID | None = None
    id: UUID = field(default_factory=new_record_id)

    def __post_init__(self) -> None:
        changed = dict(self.fields)
        if not self.customer_id.strip():
            raise ValueError("customer_id must not be empty")
        if not changed:
            raise ValueError("a customer change must change at least one field")
        unknown = sorted(set(changed) - CUSTOMER_CHANGE_FIELDS)
        if unknown:
            raise ValueError(f"fields: unknown customer field(s) {', '.join(unknown)}")
        _check_json_value(changed, "fields")
        if "extra" in changed and not isinstance(changed["extra"], dict):
            raise ValueError("fields.extra must be an object")
        phone = changed.get("phone")
        if phone is not None and not (isinstance(phone, str) and E164.fullmatch(phone)):
            raise ValueError(f"fields.phone must be E.164 (+ and digits), got {phone!r}")
        if self.created and not changed.get("last_name") and not changed.get("first_name"):
            raise ValueError("a new customer needs a name")
        object.__setattr__(self, "fields", changed)


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One read of a customer file: every read is recorded and reported."""

    customer_id: str
    reason: AccessReason
    accessed_at: datetime
    call_record_id: UUID | None = None
    id: UUID = field(default_factory=new_record_id)


Record: TypeAlias = (CallRecord | AgentStateChange | WrapUp | Note | Callback | AccessEntry
                     | CustomerChange | CallbackUpdate)

_KINDS: dict[type[Any], RecordKind] = {
    CallRecord: RecordKind.CALL_RECORD,
    AgentStateChange: RecordKind.AGENT_STATE_CHANGE,
    WrapUp: RecordKind.WRAPUP,
    Note: RecordKind.NOTE,
    Callback: RecordKind.CALLBACK,
    AccessEntry: RecordKind.ACCESS_ENTRY,
    CustomerChange: RecordKind.CUSTOMER_CHANGE,
    CallbackUpdate: RecordKind.CALLBACK_UPDATE,
}


def kind_of(record: Record) -> RecordKind:
    return _KINDS[type(record)]


def _json_value(value: object) -> Any:
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("record timestamps must be timezone-aware")
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_value(getattr(value, f.name)) for f in fields(value)}
    return value


def payload_of(record: Record) -> dict[str, Any]:
    """The record as a JSON-safe dict: what the outbox keeps and sync sends."""
    return {f.name: _json_value(getattr(record, f.name)) for f in fields(record)}


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A record waiting to be pushed; `seq` orders items by creation."""

    seq: int
    record_id: UUID
    kind: RecordKind
    payload: Mapping[str, Any]
    created_at: datetime
    attempts: int = 0
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    """A reference document from the server's pull: a customer, script, code set..."""

    kind: str  # "customer", "script", "wrapup_code_set", "not_ready_reason", "campaign"
    key: str
    doc: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Tombstone:
    kind: str
    key: str


@dataclass(frozen=True, slots=True)
class WrapUpDraft:
    """The wrap-up form as the agent left it; one per call, restored after a restart."""

    call_record_id: UUID
    fields: Mapping[str, Any]
    updated_at: datetime


class StoreError(RuntimeError):
    """The local store cannot be used; the message says which file and why."""


class LocalStore(Protocol):
    # records: each save writes the record and its outbox row in one transaction
    def save_call_record(self, record: CallRecord) -> None: ...

    def save_wrapup(self, wrapup: WrapUp) -> None:
        """Commit durably (fsync) with its outbox row, and drop the call's draft."""

    def save_agent_state_change(self, change: AgentStateChange) -> None: ...

    def save_note(self, note: Note) -> None: ...

    def save_callback(self, callback: Callback) -> None: ...

    def save_access_entry(self, entry: AccessEntry) -> None: ...

    def save_callback_update(self, update: CallbackUpdate) -> None:
        """Close the callback locally and queue the update; StoreError when the callback
        is unknown here or already closed."""

    def save_customer_change(self, change: CustomerChange) -> None:
        """Apply the change to the local copy of the customer (created when the change
        creates it; an update of a customer not copied here only waits for the push)
        and queue it, in one transaction."""

    def get_call_record(self, record_id: UUID) -> CallRecord | None: ...

    def get_wrapup(self, wrapup_id: UUID) -> WrapUp | None: ...

    def calls_without_wrapup(self, since: datetime) -> list[CallRecord]:
        """Calls started since then that have no wrap-up yet, oldest first: after a
        crash in ACW these (with their drafts) are what the agent is asked to finish."""

    # reading the local history back: personal figures, the customer file, callbacks
    def call_records_between(self, start: datetime, end: datetime) -> list[CallRecord]:
        """Calls started in [start, end), oldest first."""

    def wrapups_for_calls(self, call_record_ids: Collection[UUID]) -> list[WrapUp]:
        """Every version of the wrap-ups of these calls (superseded ones too), oldest
        saved first."""

    def latest_wrapup_for_call(self, call_record_id: UUID) -> WrapUp | None:
        """The call's current wrap-up: the newest one no other wrap-up supersedes."""

    def agent_state_changes_between(self, start: datetime,
                                    end: datetime) -> list[AgentStateChange]:
        """State intervals overlapping [start, end) (an open one, with no end, counts
        from its start), oldest first; the caller clips them to the period."""

    def list_callbacks(self, owner_filter: CallbackOwner | Collection[CallbackOwner] | None
                       = None, due_before: datetime | None = None,
                       customer_id: str | None = None,
                       include_closed: bool = False) -> list[Callback]:
        """Open callbacks (closed ones too when asked), soonest due first; each filter
        left None means "any"."""

    def callback_state(self, callback_id: UUID) -> CallbackState | None:
        """Open, done or cancelled; None for a callback unknown here."""

    def customer_history(self, customer_id: str, limit: int) -> list[CallRecord]:
        """The customer's calls made on this desktop, newest first (the offline
        timeline of the screen pop)."""

    def notes_for_customer(self, customer_id: str, limit: int) -> list[Note]:
        """The customer's notes written on this desktop, newest first."""

    # outbox, for the sync client
    def pending_outbox(self, limit: int) -> list[OutboxItem]:
        """Unpushed items, oldest first."""

    def mark_pushed(self, record_ids: Sequence[UUID]) -> None: ...

    def mark_failed(self, record_ids: Sequence[UUID], error: str) -> None:
        """Count an attempt that failed, keeping the error for the status bar."""

    def pending_count(self, kind: RecordKind | None = None) -> int:
        """Unpushed items (of one kind: "20 wrap-ups pending" is what agents count)."""

    def prune_pushed(self, pushed_before: datetime) -> int:
        """Forget items pushed before then (pushed items are kept until pruned)."""

    # reference data pulled from the server
    def apply_reference_changes(
        self, changes: Sequence[ReferenceChange], tombstones: Sequence[Tombstone], cursor: int
    ) -> None:
        """Apply one pull page and its cursor (the server's USN) atomically."""

    def reference_cursor(self) -> int | None: ...

    def reference_fetched_at(self) -> datetime | None:
        """When a pull page was last applied (the client's clock): the screen pop's
        "offline copy from <time>"; None before the first pull."""

    def get_reference(self, kind: str, key: str) -> Mapping[str, Any] | None: ...

    def list_reference(self, kind: str) -> list[ReferenceChange]: ...

    def find_customers_by_phone(self, number: str) -> list[ReferenceChange]: ...

    # wrap-up drafts
    def save_draft(self, draft: WrapUpDraft) -> None: ...

    def load_drafts(self) -> list[WrapUpDraft]: ...

    def discard_draft(self, call_record_id: UUID) -> None: ...

    def close(self) -> None: ...
