"""`SqliteStore`: the core `LocalStore` port on the local SQLite database.

Each save writes the record's row and its outbox row in one transaction; a wrap-up
commits through the FULL-synchronous engine and drops its call's draft in the same
transaction. Rows are turned into core records here and never leave the package.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast
from uuid import UUID

from sqlalchemy import CursorResult, Engine, delete, func, or_, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from agentdesk.core.records import (
    AccessEntry,
    AgentStateChange,
    Callback,
    CallbackOwner,
    CallbackState,
    CallbackUpdate,
    CallRecord,
    CustomerChange,
    Note,
    OutboxItem,
    Record,
    RecordKind,
    ReferenceChange,
    StoreError,
    Tombstone,
    WrapUp,
    WrapUpDraft,
    kind_of,
    payload_of,
)
from agentdesk.store import mapping
from agentdesk.store.models import (
    AgentStateChangeRow,
    CallbackRow,
    CallRecordRow,
    CustomerPhoneRow,
    CustomerRow,
    NoteRow,
    OutboxRow,
    ReferenceItemRow,
    SyncStateRow,
    WrapUpDraftRow,
    WrapUpRow,
)

CUSTOMER_KIND = "customer"
_CURSOR = "reference_cursor"
_FETCHED_AT = "reference_fetched_at"
_IDS_PER_QUERY = 500  # well under SQLite's bound-parameter limit


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqliteStore:
    def __init__(self, path: Path, engine: Engine, durable_engine: Engine,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.path = path
        self._engine = engine
        self._durable_engine = durable_engine
        self._clock = clock

    @contextmanager
    def _transaction(self, what: str, *, durable: bool = False) -> Iterator[Session]:
        engine = self._durable_engine if durable else self._engine
        try:
            with Session(engine) as session, session.begin():
                yield session
        except SQLAlchemyError as exc:
            raise StoreError(f"could not {what} in {self.path}: {exc}") from exc

    # --- records --------------------------------------------------------------------

    def _save(self, record: Record, row: object, *, durable: bool = False) -> None:
        kind = kind_of(record)
        with self._transaction(f"save {kind.value} {record.id}", durable=durable) as session:
            session.add(row)
            session.add(OutboxRow(record_id=record.id, kind=kind.value,
                                  payload=payload_of(record), created_at=self._clock()))
            if isinstance(record, WrapUp):
                session.execute(delete(WrapUpDraftRow).where(
                    WrapUpDraftRow.call_record_id == record.call_record_id))

    def save_call_record(self, record: CallRecord) -> None:
        self._save(record, mapping.call_record_row(record))

    def save_wrapup(self, wrapup: WrapUp) -> None:
        self._save(wrapup, mapping.wrapup_row(wrapup), durable=True)

    def save_agent_state_change(self, change: AgentStateChange) -> None:
        self._save(change, mapping.agent_state_change_row(change))

    def save_note(self, note: Note) -> None:
        self._save(note, mapping.note_row(note))

    def save_callback(self, callback: Callback) -> None:
        self._save(callback, mapping.callback_row(callback))

    def save_access_entry(self, entry: AccessEntry) -> None:
        self._save(entry, mapping.access_entry_row(entry))

    def save_callback_update(self, update: CallbackUpdate) -> None:
        with self._transaction(f"close callback {update.callback_id}") as session:
            row = session.get(CallbackRow, update.callback_id)
            if row is None:
                raise StoreError(f"no callback {update.callback_id} in {self.path}")
            if row.status != CallbackState.OPEN.value:
                raise StoreError(f"callback {update.callback_id} is already {row.status}")
            row.status, row.closed_at = update.status.value, update.updated_at
            session.add(OutboxRow(record_id=update.id, kind=RecordKind.CALLBACK_UPDATE.value,
                                  payload=payload_of(update), created_at=self._clock()))

    def save_customer_change(self, change: CustomerChange) -> None:
        with self._transaction(f"save a change of customer {change.customer_id}") as session:
            row = session.get(CustomerRow, change.customer_id)
            if row is not None or change.created:
                doc = _changed_customer_doc(None if row is None else row.doc, change)
                _upsert_customer(session, change.customer_id, doc)
            session.add(OutboxRow(record_id=change.id, kind=RecordKind.CUSTOMER_CHANGE.value,
                                  payload=payload_of(change), created_at=self._clock()))

    def callback_state(self, callback_id: UUID) -> CallbackState | None:
        with self._transaction("read a callback's state") as session:
            status = session.scalar(select(CallbackRow.status)
                                    .where(CallbackRow.id == callback_id))
            return None if status is None else CallbackState(status)

    def get_call_record(self, record_id: UUID) -> CallRecord | None:
        with self._transaction("read a call record") as session:
            row = session.get(CallRecordRow, record_id)
            return None if row is None else mapping.call_record(row)

    def get_wrapup(self, wrapup_id: UUID) -> WrapUp | None:
        with self._transaction("read a wrap-up") as session:
            row = session.get(WrapUpRow, wrapup_id)
            return None if row is None else mapping.wrapup(row)

    def calls_without_wrapup(self, since: datetime) -> list[CallRecord]:
        with self._transaction("find calls awaiting a wrap-up") as session:
            wrapped = select(WrapUpRow.id).where(WrapUpRow.call_record_id == CallRecordRow.id)
            rows = session.scalars(select(CallRecordRow)
                                   .where(CallRecordRow.started_at >= since, ~wrapped.exists())
                                   .order_by(CallRecordRow.started_at))
            return [mapping.call_record(row) for row in rows]

    # --- history, read back -----------------------------------------------------------

    def call_records_between(self, start: datetime, end: datetime) -> list[CallRecord]:
        with self._transaction("read the calls of a period") as session:
            rows = session.scalars(select(CallRecordRow)
                                   .where(CallRecordRow.started_at >= start,
                                          CallRecordRow.started_at < end)
                                   .order_by(CallRecordRow.started_at))
            return [mapping.call_record(row) for row in rows]

    def wrapups_for_calls(self, call_record_ids: Collection[UUID]) -> list[WrapUp]:
        ids = list(dict.fromkeys(call_record_ids))
        found: list[WrapUp] = []
        with self._transaction("read the wrap-ups of calls") as session:
            for first in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[first:first + _IDS_PER_QUERY]
                found.extend(mapping.wrapup(row) for row in session.scalars(
                    select(WrapUpRow).where(WrapUpRow.call_record_id.in_(chunk))))
        found.sort(key=lambda w: (w.saved_at, str(w.id)))
        return found

    def latest_wrapup_for_call(self, call_record_id: UUID) -> WrapUp | None:
        with self._transaction("read the wrap-up of a call") as session:
            superseded = select(WrapUpRow.supersedes_id).where(
                WrapUpRow.call_record_id == call_record_id,
                WrapUpRow.supersedes_id.is_not(None))
            row = session.scalars(select(WrapUpRow)
                                  .where(WrapUpRow.call_record_id == call_record_id,
                                         WrapUpRow.id.not_in(superseded))
                                  .order_by(WrapUpRow.saved_at.desc())
                                  .limit(1)).first()
            return None if row is None else mapping.wrapup(row)

    def agent_state_changes_between(self, start: datetime,
                                    end: datetime) -> list[AgentStateChange]:
        with self._transaction("read the agent states of a period") as session:
            rows = session.scalars(select(AgentStateChangeRow)
                                   .where(AgentStateChangeRow.started_at < end,
                                          or_(AgentStateChangeRow.ended_at.is_(None),
                                              AgentStateChangeRow.ended_at > start))
                                   .order_by(AgentStateChangeRow.started_at))
            return [mapping.agent_state_change(row) for row in rows]

    def list_callbacks(self, owner_filter: CallbackOwner | Collection[CallbackOwner] | None
                       = None, due_before: datetime | None = None,
                       customer_id: str | None = None,
                       include_closed: bool = False) -> list[Callback]:
        query = select(CallbackRow)
        if not include_closed:
            query = query.where(CallbackRow.status == CallbackState.OPEN.value)
        if owner_filter is not None:
            owners = ([owner_filter] if isinstance(owner_filter, CallbackOwner)
                      else list(owner_filter))
            query = query.where(CallbackRow.owner.in_([owner.value for owner in owners]))
        if due_before is not None:
            query = query.where(CallbackRow.due_at < due_before)
        if customer_id is not None:
            query = query.where(CallbackRow.customer_id == customer_id)
        with self._transaction("read callbacks") as session:
            rows = session.scalars(query.order_by(CallbackRow.due_at, CallbackRow.created_at))
            return [mapping.callback(row) for row in rows]

    def customer_history(self, customer_id: str, limit: int) -> list[CallRecord]:
        with self._transaction("read a customer's calls") as session:
            rows = session.scalars(select(CallRecordRow)
                                   .where(CallRecordRow.customer_id == customer_id)
                                   .order_by(CallRecordRow.started_at.desc()).limit(limit))
            return [mapping.call_record(row) for row in rows]

    def notes_for_customer(self, customer_id: str, limit: int) -> list[Note]:
        with self._transaction("read a customer's notes") as session:
            rows = session.scalars(select(NoteRow).where(NoteRow.customer_id == customer_id)
                                   .order_by(NoteRow.created_at.desc()).limit(limit))
            return [mapping.note(row) for row in rows]

    # --- outbox ---------------------------------------------------------------------

    def pending_outbox(self, limit: int) -> list[OutboxItem]:
        with self._transaction("read the outbox") as session:
            rows = session.scalars(select(OutboxRow).where(OutboxRow.pushed_at.is_(None))
                                   .order_by(OutboxRow.seq).limit(limit))
            return [OutboxItem(seq=row.seq, record_id=row.record_id,
                               kind=RecordKind(row.kind), payload=row.payload,
                               created_at=row.created_at, attempts=row.attempts,
                               last_error=row.last_error) for row in rows]

    def mark_pushed(self, record_ids: Sequence[UUID]) -> None:
        """Stamp the rows pushed (they are kept, not deleted); already-pushed ones keep
        their first stamp, so a replayed acknowledgement changes nothing."""
        with self._transaction("mark records pushed") as session:
            session.execute(update(OutboxRow)
                            .where(OutboxRow.record_id.in_(record_ids),
                                   OutboxRow.pushed_at.is_(None))
                            .values(pushed_at=self._clock(), last_error=None))

    def mark_failed(self, record_ids: Sequence[UUID], error: str) -> None:
        with self._transaction("record a failed push") as session:
            session.execute(update(OutboxRow)
                            .where(OutboxRow.record_id.in_(record_ids),
                                   OutboxRow.pushed_at.is_(None))
                            .values(attempts=OutboxRow.attempts + 1, last_error=error))

    def prune_pushed(self, pushed_before: datetime) -> int:
        """Forget outbox rows pushed before the given time; returns how many."""
        with self._transaction("prune the outbox") as session:
            result = cast(CursorResult[Any], session.execute(delete(OutboxRow).where(
                OutboxRow.pushed_at.is_not(None), OutboxRow.pushed_at < pushed_before)))
            return result.rowcount

    def pending_count(self, kind: RecordKind | None = None) -> int:
        with self._transaction("count pending records") as session:
            query = select(func.count()).select_from(OutboxRow).where(
                OutboxRow.pushed_at.is_(None))
            if kind is not None:
                query = query.where(OutboxRow.kind == kind.value)
            return session.scalar(query) or 0

    # --- reference data -------------------------------------------------------------

    def apply_reference_changes(self, changes: Sequence[ReferenceChange],
                                tombstones: Sequence[Tombstone], cursor: int) -> None:
        """One pull page: changes, then tombstones, then the cursor, all or nothing."""
        with self._transaction("apply reference data") as session:
            for change in changes:
                if change.kind == CUSTOMER_KIND:
                    _upsert_customer(session, change.key, dict(change.doc))
                else:
                    doc = dict(change.doc)
                    session.execute(insert(ReferenceItemRow)
                                    .values(kind=change.kind, key=change.key, doc=doc)
                                    .on_conflict_do_update(index_elements=["kind", "key"],
                                                           set_={"doc": doc}))
            for tomb in tombstones:
                if tomb.kind == CUSTOMER_KIND:  # its phones go by ON DELETE CASCADE
                    session.execute(delete(CustomerRow)
                                    .where(CustomerRow.customer_id == tomb.key))
                else:
                    session.execute(delete(ReferenceItemRow)
                                    .where(ReferenceItemRow.kind == tomb.kind,
                                           ReferenceItemRow.key == tomb.key))
            _set_sync_state(session, _CURSOR, str(cursor))
            # Even an empty page says the copy was current then: the screen pop's
            # "offline copy from <time>" is the last successful pull.
            _set_sync_state(session, _FETCHED_AT, self._clock().isoformat())

    def reference_cursor(self) -> int | None:
        with self._transaction("read the reference cursor") as session:
            row = session.get(SyncStateRow, _CURSOR)
            return None if row is None else int(row.value)

    def reference_fetched_at(self) -> datetime | None:
        with self._transaction("read when reference data was fetched") as session:
            row = session.get(SyncStateRow, _FETCHED_AT)
            return None if row is None else datetime.fromisoformat(row.value)

    def get_reference(self, kind: str, key: str) -> dict[str, Any] | None:
        with self._transaction("read reference data") as session:
            if kind == CUSTOMER_KIND:
                customer = session.get(CustomerRow, key)
                return None if customer is None else customer.doc
            item = session.get(ReferenceItemRow, (kind, key))
            return None if item is None else item.doc

    def list_reference(self, kind: str) -> list[ReferenceChange]:
        with self._transaction("read reference data") as session:
            if kind == CUSTOMER_KIND:
                return [ReferenceChange(CUSTOMER_KIND, row.customer_id, row.doc) for row in
                        session.scalars(select(CustomerRow).order_by(CustomerRow.customer_id))]
            return [ReferenceChange(row.kind, row.key, row.doc) for row in session.scalars(
                select(ReferenceItemRow).where(ReferenceItemRow.kind == kind)
                .order_by(ReferenceItemRow.key))]

    def find_customers_by_phone(self, number: str) -> list[ReferenceChange]:
        """Every cached customer with this number: several matches are the caller's to
        resolve, never ours to pick silently."""
        with self._transaction("look up a caller") as session:
            rows = session.scalars(select(CustomerRow).join(CustomerPhoneRow)
                                   .where(CustomerPhoneRow.phone == number)
                                   .order_by(CustomerRow.customer_id))
            return [ReferenceChange(CUSTOMER_KIND, row.customer_id, row.doc) for row in rows]

    # --- drafts ---------------------------------------------------------------------

    def save_draft(self, draft: WrapUpDraft) -> None:
        fields = dict(draft.fields)
        with self._transaction("save the wrap-up draft") as session:
            session.execute(insert(WrapUpDraftRow)
                            .values(call_record_id=draft.call_record_id, fields=fields,
                                    updated_at=draft.updated_at)
                            .on_conflict_do_update(
                                index_elements=["call_record_id"],
                                set_={"fields": fields, "updated_at": draft.updated_at}))

    def load_drafts(self) -> list[WrapUpDraft]:
        with self._transaction("read wrap-up drafts") as session:
            rows = session.scalars(select(WrapUpDraftRow).order_by(WrapUpDraftRow.updated_at))
            return [WrapUpDraft(row.call_record_id, row.fields, row.updated_at) for row in rows]

    def discard_draft(self, call_record_id: UUID) -> None:
        with self._transaction("discard the wrap-up draft") as session:
            session.execute(delete(WrapUpDraftRow)
                            .where(WrapUpDraftRow.call_record_id == call_record_id))

    def close(self) -> None:
        self._engine.dispose()
        self._durable_engine.dispose()


def _set_sync_state(session: Session, name: str, value: str) -> None:
    session.execute(insert(SyncStateRow).values(name=name, value=value)
                    .on_conflict_do_update(index_elements=["name"], set_={"value": value}))


def _phones(doc: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    if isinstance(doc.get("phone"), str) and doc["phone"]:
        found.add(doc["phone"])
    if isinstance(doc.get("phones"), list):
        found.update(p for p in doc["phones"] if isinstance(p, str) and p)
    return found


_CUSTOMER_COLUMNS = ("first_name", "last_name", "phone", "email", "account", "segment",
                     "language", "timezone")


def _changed_customer_doc(doc: dict[str, Any] | None, change: CustomerChange) -> dict[str, Any]:
    """The local copy with the agent's change applied the way the server applies it:
    named columns replaced, `extra` merged key by key."""
    if doc is None:
        merged: dict[str, Any] = {"customer_id": change.customer_id, "extra": {}}
        merged.update(dict.fromkeys(_CUSTOMER_COLUMNS))
        merged["first_name"] = merged["last_name"] = ""
    else:
        merged = dict(doc)
    for name, value in change.fields.items():
        if name == "extra":
            extra = dict(merged.get("extra") or {})
            extra.update(value)
            merged["extra"] = extra
        else:
            merged[name] = value
    return merged


def _upsert_customer(session: Session, customer_id: str, doc: dict[str, Any]) -> None:
    session.execute(insert(CustomerRow).values(customer_id=customer_id, doc=doc)
                    .on_conflict_do_update(index_elements=["customer_id"], set_={"doc": doc}))
    session.execute(delete(CustomerPhoneRow).where(CustomerPhoneRow.customer_id == customer_id))
    phones = _phones(doc)
    if phones:
        session.execute(insert(CustomerPhoneRow),
                        [{"customer_id": customer_id, "phone": p} for p in sorted(phones)])
