"""What desktops push: idempotent batches of records, read back by role.

Idempotency works at two levels: a batch key (per user) stores the result it got, so
a replayed batch returns that result and writes nothing; and a record id (the
desktop's UUID) is the primary key, so a record replayed in another batch is
counted as a duplicate. Both use INSERT ... ON CONFLICT DO NOTHING, which also makes
concurrent pushes of the same batch safe on PostgreSQL and on SQLite."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, bindparam, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from agentdesk.server import (
    authorization,
    customer_changes,
    customer_history,
    dnc,
    readable,
    visibility,
)
from agentdesk.server.models import PushBatch as PushBatchRow
from agentdesk.server.models import SyncedRecord, User, UsnCounter, utcnow
from agentdesk.server.users import Principal
from agentdesk.server.usn_head import head_cache
from agentdesk.sync.wire import (
    PushBatch,
    PushResult,
    RecordOut,
    RecordRejection,
    RecordsPage,
    time_problem,
)

# The payload field that holds each kind's own time (contracts of core.records).
OWN_TIME_FIELD = {"call_record": "started_at", "agent_state": "started_at",
                  "wrapup": "saved_at", "note": "created_at", "callback": "created_at",
                  "access_entry": "accessed_at", "customer_change": "changed_at",
                  "callback_update": "updated_at"}
CUSTOMER_ID_MAX = 64


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time with its zone, else None (naive or malformed times)."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    # out of the sane range (a row stored before the wire checked it): no time at all
    return parsed if parsed.tzinfo is not None and time_problem(parsed) is None else None


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def derived_columns(kind: str, payload: dict[str, Any], client_created_at: datetime,
                    received_at: datetime) -> dict[str, Any]:
    """The indexed columns a record's payload fills: its customer, its call, and its own
    time. The own time is the desktop's clock, so it is bounded by the server's receipt
    time: a clock running fast cannot put a record in the future."""
    customer_id = payload.get("customer_id")
    if not isinstance(customer_id, str) or not 0 < len(customer_id) <= CUSTOMER_ID_MAX:
        customer_id = None
    own = parse_time(payload.get(OWN_TIME_FIELD.get(kind, ""))) or client_created_at
    return {"customer_id": customer_id,
            "call_record_id": _uuid_or_none(payload.get("call_record_id")),
            "occurred_at": min(own, received_at),
            "subject_id": _uuid_or_none(payload.get("callback_id"))
            if kind == "callback_update" else None}


def _insert(s: Session, model: Any) -> Any:
    dialect = s.get_bind().dialect.name
    return (postgresql.insert(model) if dialect == "postgresql" else sqlite.insert(model))


# PostgreSQL: the whole batch as ONE JSON parameter that the server unpacks. A short
# statement, whatever the batch size, which psycopg parses once and the server
# prepares once; the multi-row VALUES form (insertmanyvalues) was a fresh
# 1,000-placeholder text to parse per batch of 100, the largest CPU cost of a push.
_PG_INSERT_RECORDS = text("""
INSERT INTO synced_records (id, kind, owner_id, payload, client_created_at, received_at,
                            batch_key, customer_id, call_record_id, occurred_at, subject_id)
SELECT r.id, r.kind, :owner_id, r.payload, r.client_created_at, :received_at, :batch_key,
       r.customer_id, r.call_record_id, r.occurred_at, r.subject_id
FROM jsonb_to_recordset(CAST(:rows AS jsonb))
  AS r(id uuid, kind text, payload jsonb, client_created_at timestamptz, customer_id text,
       call_record_id uuid, occurred_at timestamptz, subject_id uuid)
ON CONFLICT DO NOTHING
RETURNING id""")


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _insert_records(s: Session, owner_id: int, batch_key: str, received_at: datetime,
                    rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Insert the rows that are new; returns their ids."""
    if s.get_bind().dialect.name != "postgresql":
        # executemany ("insertmanyvalues"): one cached statement, whatever the size.
        return set(s.scalars(
            _insert(s, SyncedRecord).on_conflict_do_nothing().returning(SyncedRecord.id),
            [{"owner_id": owner_id, "batch_key": batch_key, "received_at": received_at,
              **row} for row in rows]))
    packed = json.dumps([{k: _json_value(v) for k, v in row.items()} for row in rows])
    return set(s.connection().execute(_PG_INSERT_RECORDS, {
        "rows": packed, "owner_id": owner_id, "batch_key": batch_key,
        "received_at": received_at}).scalars())


class BatchConflictError(ValueError):
    """A batch key replayed with different records (a client bug, never a retry)."""


def _replay_differs(s: Session, owner_id: int, batch: PushBatch) -> bool:
    """True when a record of this replayed batch differs from what the first push
    stored under its id (a changed payload, kind or client time): the batch key was
    reused for other content. Asked only on a replay, so a push costs nothing more."""
    stored = {rid: (kind, payload, created) for rid, kind, payload, created in s.execute(
        select(SyncedRecord.id, SyncedRecord.kind, SyncedRecord.payload,
               SyncedRecord.client_created_at)
        .where(SyncedRecord.id.in_([r.id for r in batch.records]),
               SyncedRecord.owner_id == owner_id))}
    for record in batch.records:
        row = stored.get(record.id)
        if row is not None and row != (record.kind, record.payload, record.client_created_at):
            return True
    return False


def _conflict(batch: PushBatch) -> BatchConflictError:
    return BatchConflictError(
        f"batch_id {batch.batch_id!r} was used before for other records: "
        "a new batch needs a new batch_id")


# Built once: constructing these per request cost more CPU than running them.
_CLAIM = {name: insert(PushBatchRow).values(
    owner_id=bindparam("b_owner_id"), batch_key=bindparam("b_batch_key"),
    received_at=bindparam("b_received_at")).on_conflict_do_nothing()
    .returning(PushBatchRow.batch_key)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))}
_STORED_RESULT = select(PushBatchRow.result).where(
    PushBatchRow.owner_id == bindparam("b_owner_id"),
    PushBatchRow.batch_key == bindparam("b_batch_key"))
_SAVE_RESULT = (PushBatchRow.__table__.update()
                .where(PushBatchRow.owner_id == bindparam("b_owner_id"),
                       PushBatchRow.batch_key == bindparam("b_batch_key"))
                .values(result=bindparam("b_result")))
_HEAD = select(UsnCounter.value).where(UsnCounter.id == 1)


def push(engine: Engine, who: Principal, batch: PushBatch) -> tuple[PushResult, bool]:
    """Store a batch; returns (result, replayed): replayed is True when the batch key
    was seen before and the stored result is returned unchanged.

    In the same transaction: customer_change records are checked (a bad one is
    rejected, with its reason, and not stored), applied to the customers and logged
    (customer_history); a record that supersedes, closes or attaches to a record its
    sender may not change, or a customer change it may not make, is rejected with its
    reason (authorization); the stored records grant their customers to the agent
    (visibility)."""
    with Session(engine) as s, s.begin():
        conn = s.connection()
        key = {"b_owner_id": who.id, "b_batch_key": batch.batch_id}
        claimed = conn.execute(_CLAIM[conn.dialect.name],
                               {**key, "b_received_at": utcnow()}).first()
        if claimed is None:  # seen before (or being stored right now: we waited for it)
            stored = conn.execute(_STORED_RESULT, key).scalar()
            if stored is not None:
                result = PushResult.model_validate(stored)
                known = {*result.accepted_ids, *result.duplicate_ids,
                         *(r.id for r in result.rejected)}
                if known != {r.id for r in batch.records} \
                        or _replay_differs(s, who.id, batch):
                    raise _conflict(batch)
                return result, True
        received_at = utcnow()
        unique: dict[uuid.UUID, Any] = {}
        for record in batch.records:
            unique.setdefault(record.id, record)
        refused = _check_customer_changes(s, unique.values())
        refused.update(_check_authorization(s, who, list(unique.values()), refused))
        rows = [{"id": r.id, "kind": r.kind,
                 "payload": r.payload, "client_created_at": r.client_created_at,
                 **derived_columns(r.kind, r.payload, r.client_created_at, received_at)}
                for r in unique.values() if r.id not in refused]
        inserted = _insert_records(s, who.id, batch.batch_id, received_at, rows) \
            if rows else set()
        others = [rid for rid in unique if rid not in inserted and rid not in refused]
        owners: dict[uuid.UUID, int] = {
            rid: owner for rid, owner in conn.execute(
                select(SyncedRecord.id, SyncedRecord.owner_id)
                .where(SyncedRecord.id.in_(others)))} if others else {}
        stored_now = [r for r in unique.values() if r.id in inserted]
        changed = [r for r in stored_now if r.kind == "customer_change"]
        customer_history.log_push(s, who, [(r.id, r.payload) for r in changed], received_at)
        customer_changes.apply(s, [r.payload for r in changed])
        visibility.grant(s, [g for r in stored_now
                             for g in visibility.record_grants(who, r.kind, r.payload)])
        # a wrap-up coded dnc_request puts its number on the global do-not-call list now
        dnc.apply_wrapups(s, stored_now)
        accepted_ids = [rid for rid in unique if rid in inserted]
        duplicate_ids = [rid for rid in others if owners.get(rid) == who.id]
        in_batch_repeats = len(batch.records) - len(unique)
        rejected = [RecordRejection(id=rid, reason=reason) for rid, reason in refused.items()]
        rejected += [RecordRejection(id=rid, reason="this id belongs to another user's record")
                     for rid in others if owners.get(rid) != who.id]
        # informational (the desktop's pull has its own cursor): a fresh remembered
        # head saves a query, unless this push itself took a USN
        remembered = head_cache(engine).head()
        cursor = remembered if remembered is not None else conn.execute(_HEAD).scalar() or 0
        result = PushResult(batch_id=batch.batch_id, accepted=len(accepted_ids),
                            duplicates=len(duplicate_ids) + in_batch_repeats,
                            accepted_ids=accepted_ids, duplicate_ids=duplicate_ids,
                            rejected=rejected, cursor=cursor)
        conn.execute(_SAVE_RESULT, {**key, "b_result": result.model_dump(mode="json")})
        return result, False


def _check_customer_changes(s: Session, records: Iterable[Any]) -> dict[uuid.UUID, str]:
    """Rejection reasons of the batch's new customer_change records (one seen before is
    a duplicate: it was applied when it was first stored)."""
    changes = [(r.id, r.payload) for r in records if r.kind == "customer_change"]
    if not changes:
        return {}
    seen = set(s.scalars(select(SyncedRecord.id)
                         .where(SyncedRecord.id.in_([rid for rid, _ in changes]))))
    return customer_changes.check(s, [(rid, p) for rid, p in changes if rid not in seen])


def _check_authorization(s: Session, who: Principal, records: list[Any],
                         refused: dict[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    """Rejection reasons of the records `who` may not push (authorization.py): the
    ones that supersede, close or attach to records it may not change, and customer
    changes it may not make."""
    reasons = authorization.refuse_references(s, who, records, refused)
    reasons.update(authorization.refuse_customer_changes(s, who, records,
                                                         {**refused, **reasons}))
    return reasons


def visible_to(query: Select[Any], who: Principal) -> Select[Any]:
    if who.role == "admin":
        return query
    if who.role == "supervisor" and who.team is not None:
        return query.where(or_(User.team == who.team, User.id == who.id))
    return query.where(SyncedRecord.owner_id == who.id)


def record_out(record: SyncedRecord, owner: str) -> RecordOut:
    return RecordOut(id=record.id, kind=record.kind, owner=owner,  # type: ignore[arg-type]
                     payload=record.payload, client_created_at=record.client_created_at,
                     received_at=record.received_at, batch_id=record.batch_key)


def get_record(engine: Engine, who: Principal, record_id: uuid.UUID) -> RecordOut | None:
    """The record if it exists AND the caller may see it (else None: 404, no oracle)."""
    with Session(engine) as s, s.begin():
        query = (select(SyncedRecord, User.username).join(User, User.id == SyncedRecord.owner_id)
                 .where(SyncedRecord.id == record_id))
        row = s.execute(visible_to(query, who)).first()
        if row is None or not readable.record_ok(row[0]):
            return None
        return record_out(row[0], row[1])


class BadPageTokenError(ValueError):
    pass


def encode_page(received_at: datetime, record_id: uuid.UUID) -> str:
    raw = f"{received_at.isoformat()}|{record_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page(token: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        when, rid = raw.split("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None or time_problem(parsed) is not None:
            raise ValueError("naive or out of range")
        return parsed, uuid.UUID(rid)
    except ValueError as exc:
        raise BadPageTokenError("page is not a token this server handed out") from exc


def list_records(engine: Engine, who: Principal, *, kind: str | None = None,
                 since: datetime | None = None, page: str | None = None,
                 limit: int = 500) -> RecordsPage:
    """Records the caller may see, oldest server receipt first; `since` bounds the
    server's receipt time (authoritative), not the desktop's clock."""
    query = select(SyncedRecord, User.username).join(User, User.id == SyncedRecord.owner_id)
    if kind is not None:
        query = query.where(SyncedRecord.kind == kind)
    if since is not None:
        query = query.where(SyncedRecord.received_at >= since)
    if page is not None:
        after_at, after_id = decode_page(page)
        query = query.where(or_(SyncedRecord.received_at > after_at,
                                and_(SyncedRecord.received_at == after_at,
                                     SyncedRecord.id > after_id)))
    query = visible_to(query, who).order_by(SyncedRecord.received_at, SyncedRecord.id)
    with Session(engine) as s, s.begin():
        rows = s.execute(query.limit(limit + 1)).all()
        records = [record_out(r, name) for r, name in readable.record_rows(rows[:limit])]
        # the page ends at its last row, served or skipped (readable)
        next_page = (encode_page(rows[limit - 1][0].received_at, rows[limit - 1][0].id)
                     if len(rows) > limit else None)
    return RecordsPage(records=records, next_page=next_page)


def iter_records(engine: Engine, kind: str, since: datetime | None) -> Iterator[RecordOut]:
    """Every record of a kind (operator export), page by page."""
    admin = Principal(0, "", "admin", None)
    page: str | None = None
    while True:
        result = list_records(engine, admin, kind=kind, since=since, page=page, limit=1000)
        yield from result.records
        if result.next_page is None:
            return
        page = result.next_page
