"""The audit trail of customer changes: every change applied to a customer, by a
desktop's push (`customer_change`) or a supervisor's / admin's `PUT` or `DELETE
/customers/{id}`, is kept in `customer_change_log` in the transaction that applies it,
with its author, the server's time, and the old and new value of each field it
changed (an `extra` key as `extra.KEY`). The customer's timeline shows these entries
(customers.customer_timeline); an operator reads them with SQL or the timeline.

Bulk imports (`agentdesk-server import customers`) are not logged entry by entry: the
operator's import is its own record (the file)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from agentdesk.server.models import Customer, CustomerChangeLog, utcnow
from agentdesk.server.users import Principal

COLUMNS = ("first_name", "last_name", "phone", "email", "account", "segment", "language",
           "timezone")
VALUE_CHARS = 200  # a value as the timeline shows it

State = dict[str, Any]  # the columns and "extra" (a dict) of a customer


def state_of(customer: Customer) -> State:
    return {**{name: getattr(customer, name) for name in COLUMNS},
            "extra": dict(customer.extra or {})}


def _flat(state: Mapping[str, Any] | None) -> dict[str, Any]:
    if state is None:
        return {}
    flat = {name: state.get(name) for name in COLUMNS}
    extra = state.get("extra")
    if isinstance(extra, Mapping):
        flat.update({f"extra.{key}": value for key, value in extra.items()})
    return flat


def diff(before: Mapping[str, Any] | None,
         after: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(old, new): the value before and after of every field that differs."""
    old, new = _flat(before), _flat(after)
    names = sorted(set(old) | set(new), key=lambda n: (n.startswith("extra."), n))
    changed = [n for n in names if old.get(n) != new.get(n)]
    return ({n: old.get(n) for n in changed}, {n: new.get(n) for n in changed})


def applied(state: State | None, fields: Mapping[str, Any]) -> State:
    """The state after a checked customer_change's fields (customer_changes.apply's
    rule: columns replaced, `extra` merged key by key, a null key removed)."""
    result: State = dict(state) if state is not None else {
        **dict.fromkeys(COLUMNS), "first_name": "", "last_name": "", "extra": {}}
    result["extra"] = dict(result.get("extra") or {})
    for name, value in fields.items():
        if name == "extra":
            for key, item in value.items():
                if item is None:
                    result["extra"].pop(key, None)
                else:
                    result["extra"][key] = item
        else:
            result[name] = value
    return result


def _entry(customer_id: str, who: Principal | None, source: str, action: str,
           before: State | None, after: State | None, at: datetime,
           record_id: uuid.UUID | None = None) -> CustomerChangeLog | None:
    old, new = diff(before, after)
    if not old and not new:
        return None  # nothing changed: nothing to keep
    return CustomerChangeLog(
        id=uuid.uuid4(), customer_id=customer_id, changed_at=at,
        author_id=who.id if who is not None and who.id else None,
        author=who.username if who is not None else "", source=source, action=action,
        record_id=record_id, old=old, new=new)


def log_push(s: Session, who: Principal,
             changes: Sequence[tuple[uuid.UUID, Mapping[str, Any]]], at: datetime) -> None:
    """Log a push's checked customer changes, (record id, payload) in batch order.
    Call BEFORE customer_changes.apply, in its transaction: the customers read here
    are the ones check() locked (PostgreSQL), so `old` is what apply() replaces."""
    if not changes:
        return
    ids = list(dict.fromkeys(str(p["customer_id"]) for _, p in changes))
    states: dict[str, State | None] = {c.customer_id: state_of(c) for c in s.scalars(
        select(Customer).where(Customer.customer_id.in_(ids)))}
    for record_id, payload in changes:
        customer_id = str(payload["customer_id"])
        before = states.get(customer_id)
        after = applied(before, payload["fields"])
        entry = _entry(customer_id, who, "push", "create" if before is None else "update",
                       before, after, at, record_id)
        if entry is not None:
            s.add(entry)
        states[customer_id] = after


def log_put(s: Session, who: Principal | None, customer: Customer) -> None:
    """Log a PUT applied to `customer` and not flushed yet: the old values are the
    ORM's loaded values (read after the USN lock was taken, so exact), the new ones
    what was set."""
    info = inspect(customer)
    before: State | None = None
    if not info.pending:
        before = {}
        for name in (*COLUMNS, "extra"):
            history = info.attrs[name].history
            values = list(history.deleted or history.unchanged or history.added)
            before[name] = values[0] if values else None
    entry = _entry(customer.customer_id, who, "api", "create" if before is None else "update",
                   before, state_of(customer), utcnow())
    if entry is not None:
        s.add(entry)


def log_delete(s: Session, who: Principal | None, customer: Customer) -> None:
    entry = _entry(customer.customer_id, who, "api", "delete", state_of(customer), None,
                   utcnow())
    if entry is not None:
        s.add(entry)


def shown(value: Any) -> str | None:
    """A logged value as the customer file shows it: text, at most VALUE_CHARS."""
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False,
                                                           sort_keys=True)
    return text if len(text) <= VALUE_CHARS else text[:VALUE_CHARS - 1] + "…"
