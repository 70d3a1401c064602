"""Wire models of the server's HTTP API, shared by the server and the desktop client.

Records flow up (push): the desktop gives each one a UUID when it is created and
sends batches under an idempotency key, so a retried batch or a replayed record is
never counted twice. Reference data flows down (pull) by the server's update
sequence number (USN): a cursor is the highest USN the client has applied, and deletes
come back as tombstones.
"""

from __future__ import annotations

import math
import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

RecordKind = Literal[
    "call_record", "agent_state", "wrapup", "note", "callback", "access_entry",
    "training_result", "customer_change", "callback_update",
]
RECORD_KINDS: tuple[str, ...] = RecordKind.__args__  # type: ignore[attr-defined]

ReferenceKind = Literal[
    "customer", "script", "wrapup_code_set", "not_ready_reason", "campaign",
]
REFERENCE_KINDS: tuple[str, ...] = ReferenceKind.__args__  # type: ignore[attr-defined]
# The kinds kept as free JSON documents (customers have their own columns).
DOCUMENT_KINDS: tuple[str, ...] = tuple(k for k in REFERENCE_KINDS if k != "customer")

Role = Literal["agent", "supervisor", "admin"]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]

MAX_BATCH_RECORDS = 500
_KEY_PATTERN = r"^[A-Za-z0-9._:\-]+$"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- what the server stores (issue #12) ---------------------------------------------
# One record must never break a read of anyone: what comes in is what every supported
# database stores and every reader serializes back. The limits are checked at the
# boundary (these models: a 422 naming the field) and again when a stored row is read
# (server.readable: a row an older server accepted is skipped and logged, not a 500).

MAX_JSON_DEPTH = 16  # objects and arrays nested in a payload, an `extra`, a document
MAX_TEXT_CHARS = 20_000  # one string in a payload (a note's text, a script's answer)
MAX_KEY_CHARS = 128  # one object key
MAX_PAYLOAD_BYTES = 64 * 1024  # a record's payload (or a customer's `extra`), as JSON
PASSWORD_MIN_CHARS = 8  # a new password (login accepts what older rules allowed)
PASSWORD_MAX_CHARS = 1024  # the same in login and when it is set
USERNAME_MAX_CHARS = 64
# Times a record may carry: its client_created_at and every zoned ISO time in a field
# whose name ends in "_at" (started_at, due_at, ...). Outside this, the year overflows
# when converted (9999-12-31T23:59:59-14:00) or the value is nonsense for a contact center.
EARLIEST_TIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_TIME = datetime(2200, 1, 1, tzinfo=UTC)


def _shown(key: str) -> str:
    """A key as an error message may show it (no NUL, no lone surrogate, short)."""
    safe = key.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    safe = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in safe)
    return safe if len(safe) <= 40 else safe[:37] + "..."


def text_problem(text: str) -> str | None:
    """Why a database would refuse this text, or None: PostgreSQL stores no NUL and
    UTF-8 has no lone surrogates (\\ud800 in JSON decodes to one)."""
    if "\x00" in text:
        return "contains a NUL character (\\u0000)"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (\\ud800-\\udfff), which is not text"
    return None


def time_problem(value: datetime) -> str | None:
    try:
        if EARLIEST_TIME <= value <= LATEST_TIME:
            return None
    except OverflowError:
        pass
    return (f"is outside {EARLIEST_TIME.date().isoformat()} .. "
            f"{LATEST_TIME.date().isoformat()}")


def _zoned_time(value: str) -> datetime | None:
    if len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


_Path = tuple[Any, ...] | None  # (parent, key or index): built as the walk goes


def _render(where: str, path: _Path) -> str:
    parts: list[str] = []
    while path is not None:
        path, step = path
        parts.append(f"[{step}]" if isinstance(step, int) else f".{_shown(step)}")
    return where + "".join(reversed(parts))


def json_problem(value: Any, where: str, *, max_text: int = MAX_TEXT_CHARS,
                 check_times: bool = True, max_bytes: int | None = None) -> str | None:
    """The first reason `value` (decoded JSON) cannot be stored and read back by every
    database and client, naming its place, or None. Checks: nesting depth, text
    (NUL, lone surrogates), string and key length, finite numbers, 64-bit integers,
    zoned times in fields named *_at inside the sane range, and (max_bytes) the size
    of the whole as compact UTF-8 JSON (counted as it goes, escapes aside)."""
    stack: list[tuple[Any, int, str, _Path]] = [(value, 0, "", None)]
    size = 0
    while stack:
        item, depth, key, path = stack.pop()
        kind = type(item)
        problem = None
        if kind is str:
            if "\x00" in item or not item.isascii():
                problem = text_problem(item)
                size += len(item.encode()) + 2 if problem is None else 0
            else:
                size += len(item) + 2
            if problem is None and len(item) > max_text:
                problem = f"is longer than {max_text} characters"
            if problem is None and check_times and key.endswith("_at"):
                when = _zoned_time(item)
                problem = None if when is None else time_problem(when)
        elif kind is dict or kind is list:
            size += 2 + len(item)  # brackets and separators
            if depth >= MAX_JSON_DEPTH:
                problem = f"nested deeper than {MAX_JSON_DEPTH} levels"
            elif kind is list:
                stack.extend((v, depth + 1, key, (path, n)) for n, v in enumerate(item))
            else:
                for k, v in item.items():
                    if type(k) is not str:
                        return f"{_render(where, path)}: a key is not a string"
                    if "\x00" in k or not k.isascii() or len(k) > MAX_KEY_CHARS:
                        why = text_problem(k) or (f"is longer than {MAX_KEY_CHARS} "
                                                  "characters" if len(k) > MAX_KEY_CHARS
                                                  else None)
                        if why is not None:
                            return f"{_render(where, path)}: key {_shown(k)!r} {why}"
                    size += len(k) + 3
                    stack.append((v, depth + 1, k, (path, k)))
        elif kind is float:
            size += len(repr(item))
            if not math.isfinite(item):
                problem = f"{item!r} is not a JSON number"
        elif kind is int:
            size += len(repr(item))
            if not -2**63 <= item < 2**63:
                problem = "the integer does not fit in 64 bits"
        elif item is None or kind is bool:
            size += 5
        else:
            problem = f"{kind.__name__} is not a JSON value"
        if problem is not None:
            return f"{_render(where, path)}: {problem}"
        if max_bytes is not None and size > max_bytes:
            return (f"{where}: more than {max_bytes} bytes of JSON (nested values "
                    "included)")
    return None


def payload_problem(payload: dict[str, Any], where: str = "payload",
                    max_bytes: int = MAX_PAYLOAD_BYTES) -> str | None:
    """json_problem, with the whole object's size bounded."""
    return json_problem(payload, where, max_bytes=max_bytes)


def _checked_text(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _checked_document(value: dict[str, Any]) -> dict[str, Any]:
    problem = json_problem(value, "document", check_times=False)
    if problem is not None:
        raise ValueError(problem)
    return value


def _checked_time(value: datetime) -> datetime:
    problem = time_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


# A string every supported database stores (no NUL, no lone surrogate).
SafeText = Annotated[str, AfterValidator(_checked_text)]
# A time with its offset, inside EARLIEST_TIME .. LATEST_TIME (a query's `since`).
SaneTime = Annotated[AwareDatetime, AfterValidator(_checked_time)]
# A JSON document (reference data): depth, text and numbers checked; its size is
# bounded by the request size limit.
SafeDocument = Annotated[dict[str, Any], AfterValidator(_checked_document)]

_BIDI_AND_CONTROL = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def username_problem(name: str) -> str | None:
    """Why this cannot be a user name, or None: 1-64 characters, no surrounding
    spaces, no control, format (bidi overrides such as U+202E, zero-width) or
    unassigned characters - a name must read as what it is."""
    if not name or len(name) > USERNAME_MAX_CHARS or name != name.strip():
        return f"a user name is 1-{USERNAME_MAX_CHARS} characters without surrounding spaces"
    for char in name:
        if unicodedata.category(char) in _BIDI_AND_CONTROL:
            return (f"a user name cannot contain U+{ord(char):04X} (control, bidi or "
                    "invisible characters)")
    return None


def password_problem(password: str) -> str | None:
    """Why this cannot be a new password, or None."""
    if len(password) < PASSWORD_MIN_CHARS or not password.strip():
        return f"a password has at least {PASSWORD_MIN_CHARS} characters, not only spaces"
    if len(password) > PASSWORD_MAX_CHARS:
        return f"a password has at most {PASSWORD_MAX_CHARS} characters"
    return None


# --- auth ---------------------------------------------------------------------------

class LoginRequest(_Wire):
    username: SafeText = Field(min_length=1, max_length=USERNAME_MAX_CHARS)
    password: SafeText = Field(min_length=1, max_length=PASSWORD_MAX_CHARS)


class UserInfo(_Wire):
    username: str
    role: Role
    team: str | None


class TokenResponse(_Wire):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    user: UserInfo


# --- push ---------------------------------------------------------------------------

class PushRecord(_Wire):
    id: UUID = Field(description="Generated by the desktop when the record is created.")
    kind: RecordKind
    payload: dict[str, Any]
    client_created_at: AwareDatetime = Field(
        description="The desktop's clock: recorded, never trusted for reporting.")

    @field_validator("payload")
    @classmethod
    def _storable_payload(cls, payload: dict[str, Any]) -> dict[str, Any]:
        problem = payload_problem(payload)
        if problem is not None:
            raise ValueError(problem)
        return payload

    @field_validator("client_created_at")
    @classmethod
    def _sane_time(cls, value: datetime) -> datetime:
        problem = time_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


class PushBatch(_Wire):
    batch_id: str = Field(min_length=1, max_length=128, pattern=_KEY_PATTERN,
                          description="Idempotency key: a replayed batch returns the "
                                      "stored result and creates nothing.")
    records: list[PushRecord] = Field(min_length=1, max_length=MAX_BATCH_RECORDS)


class RecordRejection(_Wire):
    id: UUID
    reason: str


class PushResult(_Wire):
    batch_id: str
    accepted: int
    duplicates: int
    accepted_ids: list[UUID]
    duplicate_ids: list[UUID]
    rejected: list[RecordRejection]
    cursor: int = Field(description="The server's current reference-data USN.")


# --- pull ---------------------------------------------------------------------------

class Change(_Wire):
    kind: ReferenceKind
    key: str
    usn: int
    data: dict[str, Any]


class Tombstone(_Wire):
    kind: ReferenceKind
    key: str
    usn: int


class PullResponse(_Wire):
    changes: list[Change]
    tombstones: list[Tombstone]
    cursor: int = Field(description="Pass this back as `cursor` on the next pull.")
    has_more: bool
    resync: bool = Field(default=False, description=(
        "The cursor sent is above the server's head: its database was restored from "
        "an older backup. Forget the cursor and pull again from 0 (changes is empty)."))


# --- records read back --------------------------------------------------------------

class RecordOut(_Wire):
    id: UUID
    kind: RecordKind
    owner: str
    payload: dict[str, Any]
    client_created_at: datetime
    received_at: datetime
    batch_id: str | None


class RecordsPage(_Wire):
    records: list[RecordOut]
    next_page: str | None = Field(
        description="Opaque token for the next page (pass as `page`), null at the end.")


# --- reference data written by supervisors and admins -------------------------------

class _CustomerFields(_Wire):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    phone: str = Field(min_length=1, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    account: str | None = Field(default=None, max_length=64)
    segment: str | None = Field(default=None, max_length=64)
    language: str | None = Field(default=None, max_length=16)
    timezone: str | None = Field(default=None, max_length=64)
    extra: dict[str, Any] = Field(default_factory=dict)


class CustomerIn(_CustomerFields):
    """A customer as written: its text and `extra` checked as a record's payload is."""

    @model_validator(mode="after")
    def _storable(self) -> CustomerIn:
        for name in ("first_name", "last_name", "phone", "email", "account", "segment",
                     "language", "timezone"):
            value = getattr(self, name)
            problem = None if value is None else text_problem(value)
            if problem is not None:
                raise ValueError(f"{name}: {problem}")
        problem = payload_problem(self.extra, "extra")
        if problem is not None:
            raise ValueError(problem)
        return self


class CustomerOut(_CustomerFields):
    customer_id: str
    usn: int


class ReferenceItemOut(_Wire):
    kind: ReferenceKind
    key: str
    usn: int
    data: dict[str, Any]


class Health(_Wire):
    status: Literal["ok"]
    schema_revision: str | None
    cursor: int


# --- screen pop: customer search and timeline (issue #4) ----------------------------

SearchField = Literal["customer_id", "account", "phone", "name"]
MAX_SEARCH_LIMIT = 50


class OpenCallback(_Wire):
    """A callback promised to the customer and not yet followed by a call: it stays
    open until a call with the customer starts after the callback was made."""

    id: UUID | None = Field(description="Null unless the reader may close the callback "
                                        "(its own, or shared with the reader's team).")
    due_at: datetime
    overdue: bool = Field(description="due_at is before the server's clock now")
    owner: str = Field(description='"me" (the agent who made it), "team" or "anyone"')
    agent: str = Field(description="Username of the agent who made the callback.")
    customer_timezone: str | None
    note: str
    created_at: datetime | None
    call_record_id: UUID | None = Field(description="The call it was made on, when that "
                                                    "call is the reader's own.")


class ComplaintOut(_Wire):
    """An open complaint, from the customer's `extra.complaints`."""

    id: str
    summary: str
    status: str
    opened_at: datetime | None


class CustomerMatch(_Wire):
    customer: CustomerOut
    matched_by: list[SearchField] = Field(
        description="Every criterion this customer matched (the screen pop ranks by it).")
    last_contact_at: datetime | None = Field(
        description="Start of the latest call with this customer.")
    open_callbacks: list[OpenCallback]


class CustomerSearchResult(_Wire):
    """Customers matching ANY given criterion: exact customer id, exact account, exact
    phone (normalized to E.164), or a case-insensitive prefix of the first, last or
    native name. Ordered by customer id; at most `limit`."""

    matches: list[CustomerMatch]
    truncated: bool = Field(description="More customers matched than `limit`.")


class FieldChangeOut(_Wire):
    """One field of a customer change: its value before and after, as text (an
    `extra` key is named `extra.KEY`; values longer than 200 characters are cut)."""

    field: str
    old: str | None
    new: str | None


class TimelineEntry(_Wire):
    """One interaction, folded by the server: a call carries its current wrap-up (the
    latest one not superseded by a re-opened one); a `customer_change` entry is a
    change of the customer's data (from a desktop or a supervisor), with its fields.
    Only what the customer file shows: no raw payloads, and no ids of other users'
    records."""

    record_id: UUID | None = Field(
        description="The record's id when it is the reader's own, else null.")
    kind: RecordKind
    at: datetime = Field(description="The record's own time (bounded by its receipt).")
    agent: str
    direction: str | None = None
    remote_number: str | None = Field(default=None,
                                      description="The reader's own calls only.")
    connected: bool | None = None
    duration_seconds: float | None = Field(
        default=None, description="Connected to ended, for calls that connected.")
    wrapup_codes: list[str] = Field(default_factory=list)
    wrapup_note: str | None = None
    auto_wrapped: bool | None = None
    text: str | None = Field(default=None, description="A note's text, a callback's note.")
    due_at: datetime | None = Field(default=None, description="A callback's due time.")
    changes: list[FieldChangeOut] = Field(
        default_factory=list, description="A customer_change entry: the fields changed.")


class CustomerTimeline(_Wire):
    customer_id: str
    entries: list[TimelineEntry] = Field(description="This page, newest first.")
    open_callbacks: list[OpenCallback]
    open_complaints: list[ComplaintOut]
    last_contact_at: datetime | None
    next_page: str | None = Field(
        description="Opaque token for older entries (pass as `page`), null at the end.")


# --- call scripts (issue #5) ------------------------------------------------------------

class ScriptProblemOut(_Wire):
    file: str
    line: int = Field(description="1-based; 0 when the script came as a document")
    column: int
    message: str


class ScriptPublished(_Wire):
    script_id: str
    version: int
    digest: str = Field(description="SHA-256 of the published document's canonical JSON")
    published_at: datetime
    created: bool = Field(description="False: this content was already this version")
    current: bool = Field(description="It is the `script` document desktops pull now.")


class ScriptVersionInfo(_Wire):
    version: int
    digest: str
    published_at: datetime
    published_by: str | None
