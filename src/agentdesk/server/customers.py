"""The screen pop's reads: customer search, a customer's timeline and its access history.

Every read here is an index scan: customers by customer id (unique), account, phone
and case-folded name keys (prefix, text_pattern_ops on PostgreSQL); synced records by
(customer_id, occurred_at, id), which records.derived_columns fills on ingest, and
wrap-ups by call_record_id.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Select, and_, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from agentdesk.server import authorization, customer_history, readable
from agentdesk.server.models import Customer, CustomerChangeLog, SyncedRecord, User, utcnow
from agentdesk.server.records import (
    BadPageTokenError,
    decode_page,
    encode_page,
    parse_time,
    record_out,
    visible_to,
)
from agentdesk.server.reference import customer_out, name_key
from agentdesk.server.users import Principal
from agentdesk.sync.wire import (
    ComplaintOut,
    CustomerMatch,
    CustomerSearchResult,
    CustomerTimeline,
    FieldChangeOut,
    OpenCallback,
    RecordsPage,
    SearchField,
    TimelineEntry,
)

__all__ = ["BadPageTokenError", "access_history", "customer_timeline", "search_customers"]

# Kinds that are not interactions of their own: a wrap-up is shown on its call, an
# access entry is a read of the file (its own history, for supervisors), a customer
# change is shown from the change log (customer_history: the PUTs of supervisors are
# there too), a callback update closes its callback.
_NOT_IN_TIMELINE = ("wrapup", "access_entry", "agent_state", "customer_change",
                    "callback_update")
_CLOSED_COMPLAINT = frozenset({"closed", "resolved"})
_LAST_CHAR = "\U0010ffff"  # sorts after every character (binary UTF-8 order)
# who reads when no user does (the operator's tools): everything, like an admin
_OPERATOR = Principal(0, "", "admin", None)


def _prefix(column: InstrumentedAttribute[Any], prefix: str, dialect: str) -> Any:
    if dialect == "postgresql":
        # LIKE 'p%' with a constant prefix: the planner turns it into a range on the
        # text_pattern_ops index. Escape LIKE's wildcards (backslash is its escape).
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%")
    # SQLite (binary collation): the same prefix as a range, which its index serves.
    return and_(column >= prefix, column < prefix + _LAST_CHAR)


def search_customers(engine: Engine, *, customer_id: str | None = None,
                     account: str | None = None, phone_e164: str | None = None,
                     name: str | None = None, limit: int = 20,
                     now: datetime | None = None,
                     who: Principal | None = None) -> CustomerSearchResult:
    """Customers matching ANY criterion, each with the criteria it matched, its last
    contact and its open callbacks. One indexed query per criterion."""
    now = now or utcnow()
    found: dict[str, tuple[Customer, set[SearchField]]] = {}
    truncated = False
    with Session(engine) as s, s.begin():
        dialect = s.get_bind().dialect.name
        criteria: list[tuple[SearchField, Any]] = []
        if customer_id:
            criteria.append(("customer_id", Customer.customer_id == customer_id))
        if account:
            criteria.append(("account", Customer.account == account))
        if phone_e164:
            criteria.append(("phone", Customer.phone == phone_e164))
        key = name_key(name)
        if key:
            for column in (Customer.first_name_key, Customer.last_name_key,
                           Customer.native_name_key):
                criteria.append(("name", _prefix(column, key, dialect)))
        for field, condition in criteria:
            rows = list(s.scalars(select(Customer).where(condition)
                                  .order_by(Customer.customer_id).limit(limit + 1)))
            truncated = truncated or len(rows) > limit
            for customer in filter(readable.customer_ok, rows):
                found.setdefault(customer.customer_id, (customer, set()))[1].add(field)
        ordered = sorted(found)
        truncated = truncated or len(ordered) > limit
        ordered = ordered[:limit]
        contacts = _last_contacts(s, ordered)
        callbacks = _open_callbacks(s, ordered, contacts, now, who or _OPERATOR)
        order: tuple[SearchField, ...] = ("customer_id", "account", "phone", "name")
        matches = [CustomerMatch(
            customer=customer_out(found[cid][0]),
            matched_by=[f for f in order if f in found[cid][1]],
            last_contact_at=contacts.get(cid), open_callbacks=callbacks.get(cid, []))
            for cid in ordered]
    return CustomerSearchResult(matches=matches, truncated=truncated)


def _last_contacts(s: Session, customer_ids: Sequence[str]) -> dict[str, datetime]:
    if not customer_ids:
        return {}
    rows = s.execute(select(SyncedRecord.customer_id, func.max(SyncedRecord.occurred_at))
                     .where(SyncedRecord.customer_id.in_(customer_ids),
                            SyncedRecord.kind == "call_record")
                     .group_by(SyncedRecord.customer_id))
    return {cid: at for cid, at in rows if at is not None}


def _open_callbacks(s: Session, customer_ids: Sequence[str], last_contacts: dict[str, datetime],
                    now: datetime, who: Principal) -> dict[str, list[OpenCallback]]:
    """A callback stays open until a call with the customer starts after it was made
    (the same rule as core.customer_directory.build_history). Its id is given only to
    a reader who may close it, its call's id only to the callback's owner."""
    if not customer_ids:
        return {}
    rows = list(readable.record_rows(s.execute(
        select(SyncedRecord, User.username, User.team)
        .join(User, User.id == SyncedRecord.owner_id)
        .where(SyncedRecord.customer_id.in_(customer_ids),
               SyncedRecord.kind == "callback"))))
    closed = closed_callbacks(s, [record.id for record, _, _ in rows])
    result: dict[str, list[OpenCallback]] = {}
    for record, username, team in rows:
        payload = record.payload
        due = parse_time(payload.get("due_at"))
        last = last_contacts.get(record.customer_id or "")
        if due is None or (last is not None and last > record.occurred_at) \
                or record.id in closed:
            continue
        owner = payload.get("owner")
        timezone = payload.get("customer_timezone")
        closable = authorization.may_change(who, authorization.Target(
            "callback", record.owner_id, team, None, owner if isinstance(owner, str) else None),
            "close")
        result.setdefault(record.customer_id or "", []).append(OpenCallback(
            id=record.id if closable else None, due_at=due, overdue=due < now,
            owner=owner if owner in ("me", "team", "anyone") else "anyone",
            agent=username,
            customer_timezone=timezone if isinstance(timezone, str) else None,
            note=str(payload.get("note") or ""),
            created_at=parse_time(payload.get("created_at")),
            call_record_id=record.call_record_id if record.owner_id == who.id else None))
    for callbacks in result.values():
        callbacks.sort(key=lambda c: c.due_at)
    return result


def callback_updates(s: Session, callback_ids: Sequence[uuid.UUID]
                     ) -> list[tuple[SyncedRecord, str]]:
    """The callback_update records (with their owners) that close these callbacks."""
    if not callback_ids:
        return []
    return [(r, owner) for r, owner in readable.record_rows(s.execute(
        _records_query().where(SyncedRecord.kind == "callback_update",
                               SyncedRecord.subject_id.in_(callback_ids))))]


def closed_callbacks(s: Session, callback_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """The callbacks a callback_update (done or cancelled) has closed."""
    return {r.subject_id for r, _ in callback_updates(s, callback_ids)
            if r.subject_id is not None and r.payload.get("status") in ("done", "cancelled")}


def _complaints(extra: dict[str, Any]) -> list[ComplaintOut]:
    """Open complaints from `extra.complaints`: a list, or a JSON text of one (CSV
    imports keep extra columns as text). Entries that are not complaints are skipped."""
    raw = extra.get("complaints")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    if not isinstance(raw, list):
        return []
    complaints = []
    for item in raw:
        if not isinstance(item, dict) or item.get("id") in (None, ""):
            continue
        status = str(item.get("status") or "open")
        if status.lower() in _CLOSED_COMPLAINT:
            continue
        complaints.append(ComplaintOut(id=str(item["id"]), summary=str(item.get("summary") or ""),
                                       status=status,
                                       opened_at=parse_time(item.get("opened_at"))))
    return complaints


def _float_seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def current_wrapups(wrapups: Iterable[tuple[SyncedRecord, str]]
                    ) -> dict[uuid.UUID, tuple[SyncedRecord, str]]:
    """Per call: the latest wrap-up that no other wrap-up supersedes."""
    wrapups = list(wrapups)
    superseded = {str(w.payload.get("supersedes_id")) for w, _ in wrapups
                  if w.payload.get("supersedes_id")}
    current: dict[uuid.UUID, tuple[SyncedRecord, str]] = {}
    for record, owner in sorted(wrapups, key=lambda w: (w[0].occurred_at, w[0].received_at)):
        if str(record.id) in superseded or record.call_record_id is None:
            continue
        current[record.call_record_id] = (record, owner)
    return current


def _entry(record: SyncedRecord, agent: str, wrapup: SyncedRecord | None,
           who: Principal) -> TimelineEntry:
    """What the customer file shows of a record: a colleague's record comes without
    its id and payload (the reader's own with its id: the desktop merges its unsent
    records by id)."""
    p = record.payload
    mine = record.owner_id == who.id
    record_id = record.id if mine else None
    if record.kind == "call_record":
        connected = parse_time(p.get("connected_at"))
        codes = wrapup.payload.get("codes") if wrapup is not None else None
        return TimelineEntry(
            record_id=record_id, kind="call_record", at=record.occurred_at, agent=agent,
            direction=str(p["direction"]) if p.get("direction") else None,
            remote_number=str(p["remote_number"]) if p.get("remote_number") and mine
            else None,
            connected=connected is not None,
            duration_seconds=_float_seconds(connected, parse_time(p.get("ended_at"))),
            wrapup_codes=[str(c) for c in codes] if isinstance(codes, list) else [],
            wrapup_note=str(wrapup.payload.get("note") or "") if wrapup is not None else None,
            auto_wrapped=bool(wrapup.payload.get("auto_wrapped"))
            if wrapup is not None else None)
    text = p.get("text") if record.kind == "note" else p.get("note", p.get("summary"))
    return TimelineEntry(record_id=record_id, kind=record.kind,  # type: ignore[arg-type]
                         at=record.occurred_at, agent=agent,
                         text=str(text) if text is not None else None,
                         due_at=parse_time(p.get("due_at")))


def _records_query() -> Select[Any]:
    return select(SyncedRecord, User.username).join(User, User.id == SyncedRecord.owner_id)


def _older_than(query: Select[Any], page: str | None) -> Select[Any]:
    if page is None:
        return query
    at, rid = decode_page(page)
    # `occurred_at <= at` bounds the index range; the OR breaks ties by id.
    return query.where(SyncedRecord.occurred_at <= at,
                       or_(SyncedRecord.occurred_at < at, SyncedRecord.id < rid))


def _change_entry(change: CustomerChangeLog, who: Principal) -> TimelineEntry:
    return TimelineEntry(
        record_id=change.record_id if change.author_id == who.id else None,
        kind="customer_change", at=change.changed_at, agent=change.author,
        changes=[FieldChangeOut(field=name, old=customer_history.shown(change.old.get(name)),
                                new=customer_history.shown(change.new.get(name)))
                 for name in sorted(set(change.old) | set(change.new),
                                    key=lambda n: (n.startswith("extra."), n))])


def _changes_older_than(customer_id: str, page: str | None) -> Select[Any]:
    query = select(CustomerChangeLog).where(CustomerChangeLog.customer_id == customer_id)
    if page is not None:
        at, rid = decode_page(page)
        query = query.where(CustomerChangeLog.changed_at <= at,
                            or_(CustomerChangeLog.changed_at < at, CustomerChangeLog.id < rid))
    return query.order_by(CustomerChangeLog.changed_at.desc(), CustomerChangeLog.id.desc())


def customer_timeline(engine: Engine, customer_id: str, *, page: str | None = None,
                      limit: int = 50, now: datetime | None = None,
                      who: Principal | None = None) -> CustomerTimeline | None:
    """A page of the customer's interactions and of the changes to its data, newest
    first, calls with their current wrap-up; and the customer's open callbacks and
    complaints, as `who` may see them (_entry). None when neither the customer nor
    any record about it exists."""
    now = now or utcnow()
    who = who or _OPERATOR
    query = _older_than(_records_query().where(SyncedRecord.customer_id == customer_id,
                                               SyncedRecord.kind.not_in(_NOT_IN_TIMELINE)),
                        page)
    query = query.order_by(SyncedRecord.occurred_at.desc(), SyncedRecord.id.desc())
    with Session(engine) as s, s.begin():
        customer = s.scalar(select(Customer).where(Customer.customer_id == customer_id))
        rows = s.execute(query.limit(limit + 1)).all()
        changes = list(s.scalars(_changes_older_than(customer_id, page).limit(limit + 1)))
        if customer is None and not rows and not changes and page is None:
            return None
        # the two sources, merged newest first on the same (time, id) order as the page
        merged: list[tuple[datetime, uuid.UUID, Any]] = sorted(
            [(r.occurred_at, r.id, (r, owner)) for r, owner in rows]
            + [(c.changed_at, c.id, c) for c in changes],
            key=lambda item: (item[0], item[1]), reverse=True)
        more = len(merged) > limit
        merged = merged[:limit]
        # the page ends at its last item, served or skipped (readable)
        last = merged[-1] if more else None
        merged = [item for item in merged
                  if not isinstance(item[2], tuple) or readable.record_ok(item[2][0])]
        rows = [item[2] for item in merged if isinstance(item[2], tuple)]
        call_ids = [r.id for r, _ in rows if r.kind == "call_record"]
        wrapups = list(readable.record_rows(s.execute(_records_query().where(
            SyncedRecord.kind == "wrapup",
            SyncedRecord.call_record_id.in_(call_ids))))) if call_ids else []
        current = current_wrapups((w, o) for w, o in wrapups)
        contacts = _last_contacts(s, [customer_id])
        callbacks = _open_callbacks(s, [customer_id], contacts, now, who).get(customer_id, [])
        entries = [_change_entry(item, who) if isinstance(item, CustomerChangeLog)
                   else _entry(item[0], item[1], current.get(item[0].id, (None, ""))[0], who)
                   for _, _, item in merged]
        complaints = _complaints(readable.safe_extra(customer)) if customer is not None else []
        next_page = encode_page(last[0], last[1]) if last is not None else None
    return CustomerTimeline(customer_id=customer_id, entries=entries,
                            open_callbacks=callbacks, open_complaints=complaints,
                            last_contact_at=contacts.get(customer_id), next_page=next_page)


def access_history(engine: Engine, who: Principal, *, customer_id: str | None = None,
                   since: datetime | None = None, page: str | None = None,
                   limit: int = 100) -> RecordsPage:
    """Access entries the caller may see (a supervisor: its team's; an admin: all),
    newest first, for one customer or all of them."""
    query = _records_query().where(SyncedRecord.kind == "access_entry")
    if customer_id is not None:
        query = query.where(SyncedRecord.customer_id == customer_id)
    if since is not None:
        query = query.where(SyncedRecord.occurred_at >= since)
    query = visible_to(_older_than(query, page), who).order_by(
        SyncedRecord.occurred_at.desc(), SyncedRecord.id.desc())
    with Session(engine) as s, s.begin():
        rows = s.execute(query.limit(limit + 1)).all()
        records = [record_out(r, owner) for r, owner in readable.record_rows(rows[:limit])]
        last = rows[limit - 1][0] if len(rows) > limit else None
        next_page = encode_page(last.occurred_at, last.id) if last is not None else None
    return RecordsPage(records=records, next_page=next_page)
