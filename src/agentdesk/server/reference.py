"""Reference data (customers and JSON documents) with update sequence numbers.

Every change takes the next USN from the one-row counter with UPDATE ... RETURNING,
which holds the row lock until commit: USNs are committed in order, so a client that
pulled up to cursor N will never later find a change below N it did not see.

Lock order (PostgreSQL), in every transaction that takes a USN: the counter row first,
then the rows it changes (customers, documents, grants). A transaction that locked a
customer and then waited for the counter deadlocked with a supervisor's PUT holding
the counter and waiting for that customer; one that must lock rows before it knows
whether it needs a USN calls lock_usn_counter() first. (SQLite: BEGIN IMMEDIATE holds
the whole database, so there is no order to keep.)

Documents by kind (key = the document's id):
- script: core.scripts Script.to_document(), published through scripts.py;
- wrapup_code_set: core.wrapup_codes CodeSet.to_document();
- not_ready_reason: {"code", "label", "labels": {lang: text}, "paid": bool};
- campaign, at least (checked on put; other keys are kept):
    {"id": KEY, "title": str | {lang: str},
     "assigned": {"teams": [team, ...], "agents": [username, ...]},
     "leads": [customer_id, ...], "script_id": str | null (optional)}
  Its leads become visible to its teams and agents (visibility.py).

Customers: an agent pulls only those visible to it (visibility.py); supervisors and
admins pull all of them. Tombstones go to everyone."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Engine, delete, event, select, update
from sqlalchemy.orm import Session

from agentdesk.server import customer_history, readable, visibility
from agentdesk.server.db import retried
from agentdesk.server.models import Customer, ReferenceItem, Tombstone, UsnCounter, utcnow
from agentdesk.server.users import Principal
from agentdesk.server.usn_head import head_cache
from agentdesk.sync.wire import (
    DOCUMENT_KINDS,
    Change,
    CustomerIn,
    CustomerOut,
    PullResponse,
)
from agentdesk.sync.wire import Tombstone as WireTombstone

CUSTOMER_FIELDS = ("first_name", "last_name", "phone", "email", "account", "segment",
                   "language", "timezone", "extra")


NAME_KEY_MAX = 200


def name_key(name: object) -> str | None:
    """The form names are searched by: NFKC (full-width letters become ASCII) and
    case-folded, so a prefix typed in any case finds the name; None for no name."""
    if not isinstance(name, str) or not name.strip():
        return None
    return unicodedata.normalize("NFKC", name.strip()).casefold()[:NAME_KEY_MAX]


def set_name_keys(customer: Customer) -> None:
    native = customer.extra.get("native_name") if isinstance(customer.extra, dict) else None
    customer.first_name_key = name_key(customer.first_name) or ""
    customer.last_name_key = name_key(customer.last_name) or ""
    customer.native_name_key = name_key(native)


def next_usn(s: Session) -> int:
    bind = s.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    cache = head_cache(engine)
    cache.forget()  # the head moves: no pull may trust an older one from now on...
    if not s.info.get("usn_hooked"):
        s.info["usn_hooked"] = True
        # ...nor after the commit (a pull may have remembered the old head meanwhile)
        event.listen(s, "after_commit", lambda _s: cache.forget(), once=True)
        event.listen(s, "after_rollback", lambda _s: cache.forget(), once=True)
    return s.execute(update(UsnCounter).where(UsnCounter.id == 1)
                     .values(value=UsnCounter.value + 1)
                     .returning(UsnCounter.value)).scalar_one()


def lock_usn_counter(s: Session) -> None:
    """Take the counter's row lock now, before any other row lock of the transaction
    (see the lock order above); next_usn() later in the transaction then never waits."""
    s.execute(select(UsnCounter.id).where(UsnCounter.id == 1).with_for_update())


def current_usn(engine: Engine) -> int:
    with Session(engine) as s, s.begin():
        return s.scalar(select(UsnCounter.value).where(UsnCounter.id == 1)) or 0


def nothing_new(engine: Engine, cursor: int) -> bool:
    """True when this process knows, without asking the database, that no USN above
    `cursor` has been committed (see usn_head). A cursor above the remembered head is
    asked of the database: another process may have committed it, else the desk must
    resync (pull)."""
    head = head_cache(engine).head()
    return head is not None and cursor == head


def _clear_tombstone(s: Session, kind: str, key: str) -> None:
    s.execute(delete(Tombstone).where(Tombstone.kind == kind, Tombstone.key == key))


def _bury(s: Session, kind: str, key: str, usn: int) -> None:
    tomb = s.scalar(select(Tombstone).where(Tombstone.kind == kind, Tombstone.key == key))
    if tomb is None:
        s.add(Tombstone(kind=kind, key=key, usn=usn))
    else:
        tomb.usn, tomb.deleted_at = usn, utcnow()


def upsert_customers_in(s: Session, rows: Iterable[tuple[str, Mapping[str, Any]]]) -> int:
    """Insert or update customers (customer_id, fields) in the caller's transaction."""
    rows = list(rows)
    if not rows:
        return 0
    usn = next_usn(s)  # one USN for the whole batch: it commits as one
    ids = [customer_id for customer_id, _ in rows]
    existing = {c.customer_id: c for c in s.scalars(
        select(Customer).where(Customer.customer_id.in_(ids)))}
    now = utcnow()
    for customer_id, fields in rows:
        customer = existing.get(customer_id)
        if customer is None:
            customer = existing[customer_id] = Customer(customer_id=customer_id)
            s.add(customer)
        for name in CUSTOMER_FIELDS:
            setattr(customer, name, fields.get(name, {} if name == "extra" else None))
        set_name_keys(customer)
        customer.usn, customer.updated_at = usn, now
    s.execute(delete(Tombstone).where(Tombstone.kind == "customer", Tombstone.key.in_(ids)))
    return len(rows)


@retried
def put_customer(engine: Engine, customer_id: str, data: CustomerIn,
                 author: Principal | None = None) -> CustomerOut:
    """Insert or replace a customer; the change is logged (customer_history)."""
    with Session(engine) as s, s.begin():
        with s.no_autoflush:  # the log reads the old values from the unflushed ORM state
            upsert_customers_in(s, [(customer_id, data.model_dump())])
            customer = next(c for c in (*s.new, *s.identity_map.values())
                            if isinstance(c, Customer) and c.customer_id == customer_id)
            customer_history.log_put(s, author, customer)
        s.flush()
        return customer_out(customer)


def get_customer(engine: Engine, customer_id: str) -> CustomerOut | None:
    with Session(engine) as s, s.begin():
        customer = s.scalar(select(Customer).where(Customer.customer_id == customer_id))
        return None if customer is None or not readable.customer_ok(customer) \
            else customer_out(customer)


def find_customers_by_phone(engine: Engine, phone: str) -> list[CustomerOut]:
    with Session(engine) as s, s.begin():
        rows = s.scalars(select(Customer).where(Customer.phone == phone)
                         .order_by(Customer.customer_id).limit(50))
        return [customer_out(c) for c in rows if readable.customer_ok(c)]


@retried
def delete_customer(engine: Engine, customer_id: str, author: Principal | None = None) -> bool:
    with Session(engine) as s, s.begin():
        lock_usn_counter(s)  # before the customer's row: the lock order
        customer = s.scalar(select(Customer).where(Customer.customer_id == customer_id))
        if customer is None:
            return False
        customer_history.log_delete(s, author, customer)
        s.delete(customer)
        _bury(s, "customer", customer_id, next_usn(s))
        return True


@retried
def put_document(engine: Engine, kind: str, key: str, document: dict[str, Any]) -> int:
    """Store a document under the next USN. A campaign must have its minimum shape
    (visibility.check_campaign raises CampaignError) and grants its leads to its
    assignees under the same USN."""
    if kind not in DOCUMENT_KINDS:
        raise ValueError(f"not a document kind: {kind!r}")
    if kind == "campaign":
        visibility.check_campaign(key, document)
    with Session(engine) as s, s.begin():
        usn = next_usn(s)
        item = s.scalar(select(ReferenceItem).where(ReferenceItem.kind == kind,
                                                    ReferenceItem.key == key))
        if item is None:
            s.add(ReferenceItem(kind=kind, key=key, document=document, usn=usn))
        else:
            item.document, item.usn, item.updated_at = document, usn, utcnow()
        _clear_tombstone(s, kind, key)
        if kind == "campaign":
            visibility.grant(s, visibility.campaign_grants(key, document), usn=usn)
        return usn


def get_document(engine: Engine, kind: str, key: str) -> tuple[int, dict[str, Any]] | None:
    with Session(engine) as s, s.begin():
        item = s.scalar(select(ReferenceItem).where(ReferenceItem.kind == kind,
                                                    ReferenceItem.key == key))
        return None if item is None or not readable.document_ok(item) \
            else (item.usn, item.document)


@retried
def delete_document(engine: Engine, kind: str, key: str) -> bool:
    with Session(engine) as s, s.begin():
        lock_usn_counter(s)  # before the document's row: the lock order
        item = s.scalar(select(ReferenceItem).where(ReferenceItem.kind == kind,
                                                    ReferenceItem.key == key))
        if item is None:
            return False
        s.delete(item)
        _bury(s, kind, key, next_usn(s))
        return True


def customer_out(c: Customer) -> CustomerOut:
    return CustomerOut(customer_id=c.customer_id, usn=c.usn,
                       **{name: getattr(c, name) for name in CUSTOMER_FIELDS})


def _customer_data(c: Customer) -> dict[str, Any]:
    return customer_out(c).model_dump(mode="json", exclude={"usn"})


def pull(engine: Engine, cursor: int, limit: int,
         who: Principal | None = None) -> PullResponse:
    """Changes and tombstones with USN > cursor, in USN order, about `limit` rows per
    page; a page never splits one USN (an import batch shares one), so the returned
    cursor never skips anything. An agent gets only the customers visible to it, each
    at its effective USN (see visibility); None or a supervisor/admin: every one."""
    cache = head_cache(engine)
    generation, read_at = cache.generation(), cache.now()
    with Session(engine) as s, s.begin():
        # Read the head first: every USN up to it is committed (see next_usn).
        head = s.scalar(select(UsnCounter.value).where(UsnCounter.id == 1)) or 0
        cache.remember(head, generation, read_at)
        if cursor == head:  # the common case: nothing changed since the last pull
            return _response([], cursor=cursor, has_more=False)
        if cursor > head:  # this database is older than the desk's copy (a restore)
            return PullResponse(changes=[], tombstones=[], cursor=0, has_more=True,
                                resync=True)
        entries = _entries(s, who, cursor, head, limit + 1)
        if len(entries) <= limit:
            return _response(entries, cursor=max(cursor, head), has_more=False)
        last_usn = entries[limit - 1][0]
        if entries[limit][0] == last_usn:
            entries = _entries(s, who, cursor, last_usn, None)
        else:
            entries = entries[:limit]
        return _response(entries, cursor=last_usn, has_more=last_usn < head)


_Entry = tuple[int, int, Change | WireTombstone | None]


def _entries(s: Session, who: Principal | None, low: int, high: int,
             limit: int | None) -> list[_Entry]:
    def page(model: Any) -> list[Any]:
        query = (select(model).where(model.usn > low, model.usn <= high)
                 .order_by(model.usn, model.id))
        return list(s.scalars(query if limit is None else query.limit(limit)))

    if visibility.sees_every_customer(who):
        customers = [(c.usn, c) for c in page(Customer)]
    else:
        assert who is not None
        customers = visibility.visible_customers(s, who, low, high, limit)
    # A row that cannot be served (readable) stays in the page as None: it counts for
    # the paging, the page's cursor covers it, and _response leaves it out.
    entries: list[_Entry] = [
        (usn, 0, Change(kind="customer", key=c.customer_id, usn=usn,
                        data=_customer_data(c)) if readable.customer_ok(c) else None)
        for usn, c in customers]
    entries += [(i.usn, 1, Change(kind=i.kind, key=i.key, usn=i.usn, data=i.document)
                 if readable.document_ok(i) else None) for i in page(ReferenceItem)]
    entries += [(t.usn, 2, WireTombstone(kind=t.kind, key=t.key, usn=t.usn))
                for t in page(Tombstone)]
    entries.sort(key=lambda e: (e[0], e[1]))
    return entries if limit is None else entries[:limit]


def _response(entries: list[_Entry], cursor: int, has_more: bool) -> PullResponse:
    return PullResponse(
        changes=[e for _, _, e in entries if isinstance(e, Change)],
        tombstones=[e for _, _, e in entries if isinstance(e, WireTombstone)],
        cursor=cursor, has_more=has_more)
