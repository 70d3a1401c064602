"""`customer_change` records: a customer created or its contact data edited on a desktop,
applied to the customer row in the transaction that stores the record.

Payload: {id, customer_id, fields: {any of first_name, last_name, phone, email,
account, segment, language, timezone, extra}, created: bool, changed_at (ISO),
call_record_id (uuid | null)}. `extra` is merged key by key (a key given as null is
removed). A created customer is inserted when absent, else updated; every change gives
the customer a new USN, so every desktop that sees it pulls it. The server's arrival
order decides between two desktops editing one field (the last one stored wins).

A change is rejected, with the reason in the push result, when it names an unknown
field, gives a value of the wrong type or length, a phone that is not E.164, creates a
customer without a name or phone, or updates a customer that does not exist. What an
agent may change (contact data of customers visible to it) is checked apart, in the
same transaction (authorization.refuse_customer_changes), and every applied change is
logged (customer_history.log_push)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import phonenumbers
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from agentdesk.core.records import CUSTOMER_CHANGE_FIELDS, E164
from agentdesk.server.models import Customer, Tombstone, utcnow
from agentdesk.server.reference import lock_usn_counter, next_usn, set_name_keys

# The column widths of models.Customer.
LIMITS = {"first_name": 100, "last_name": 100, "phone": 20, "email": 254, "account": 64,
          "segment": 64, "language": 16, "timezone": 64}
REQUIRED = ("first_name", "last_name", "phone")  # NOT NULL columns
CUSTOMER_ID_MAX = 64


class ChangeRejectedError(ValueError):
    pass


def _check_fields(fields: Any) -> dict[str, Any]:
    if not isinstance(fields, dict) or not fields:
        raise ChangeRejectedError("fields must be an object naming at least one field")
    unknown = sorted(set(fields) - CUSTOMER_CHANGE_FIELDS)
    if unknown:
        raise ChangeRejectedError(f"fields: unknown customer field(s) {', '.join(unknown)}")
    for name, value in fields.items():
        if name == "extra":
            if not isinstance(value, dict):
                raise ChangeRejectedError("fields.extra must be an object")
            continue
        if value is None:
            if name in REQUIRED:
                raise ChangeRejectedError(f"fields.{name} cannot be removed")
            continue
        if not isinstance(value, str):
            raise ChangeRejectedError(f"fields.{name} must be a string")
        if len(value) > LIMITS[name]:
            raise ChangeRejectedError(f"fields.{name} is longer than {LIMITS[name]} characters")
    phone = fields.get("phone")
    if phone is not None and not _is_e164(phone):
        # The reason reaches the desk's outbox and status line: it names no number.
        raise ChangeRejectedError("fields.phone must be a valid E.164 number (+ and digits)")
    return fields


def _is_e164(phone: str) -> bool:
    if not E164.fullmatch(phone):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(phone, None))
    except phonenumbers.NumberParseException:
        return False


def check(s: Session, changes: Sequence[tuple[Any, Mapping[str, Any]]]
          ) -> dict[Any, str]:
    """The changes to reject, by record id, with their reasons. `changes` is (id,
    payload) in batch order: a change may update a customer an earlier one creates.
    Locks the customers named (PostgreSQL), so none disappears before apply(), after
    the USN counter that apply() takes (reference's lock order)."""
    lock_usn_counter(s)
    ids = {p.get("customer_id") for _, p in changes if isinstance(p.get("customer_id"), str)}
    existing = set(s.scalars(select(Customer.customer_id)
                             .where(Customer.customer_id.in_(ids)).with_for_update()))
    rejected: dict[Any, str] = {}
    for record_id, payload in changes:
        try:
            customer_id = payload.get("customer_id")
            if not isinstance(customer_id, str) or not customer_id.strip() \
                    or len(customer_id) > CUSTOMER_ID_MAX:
                raise ChangeRejectedError(f"customer_id must be 1-{CUSTOMER_ID_MAX} characters")
            created = payload.get("created", False)
            if not isinstance(created, bool):
                raise ChangeRejectedError("created must be true or false")
            fields = _check_fields(payload.get("fields"))
            if customer_id not in existing:
                if not created:
                    raise ChangeRejectedError(f"customer {customer_id!r} does not exist on the "
                                         "server (deleted, or never created)")
                if not (fields.get("first_name") or fields.get("last_name")):
                    raise ChangeRejectedError("a new customer needs a first or last name")
                if not fields.get("phone"):
                    raise ChangeRejectedError("a new customer needs a phone number")
                existing.add(customer_id)
        except ChangeRejectedError as exc:
            rejected[record_id] = f"customer_change: {exc}"
    return rejected


def apply(s: Session, payloads: Sequence[Mapping[str, Any]]) -> list[str]:
    """Apply checked changes in order, all under one new USN; returns the customer ids."""
    if not payloads:
        return []
    usn = next_usn(s)
    now = utcnow()
    ids = list(dict.fromkeys(str(p["customer_id"]) for p in payloads))
    customers = {c.customer_id: c for c in s.scalars(
        select(Customer).where(Customer.customer_id.in_(ids)))}
    for payload in payloads:
        customer_id = str(payload["customer_id"])
        fields: dict[str, Any] = payload["fields"]
        customer = customers.get(customer_id)
        if customer is None:
            customer = customers[customer_id] = Customer(
                customer_id=customer_id, first_name="", last_name="", extra={})
            s.add(customer)
        for name, value in fields.items():
            if name == "extra":
                merged = dict(customer.extra or {})
                for key, item in value.items():
                    if item is None:
                        merged.pop(key, None)
                    else:
                        merged[key] = item
                customer.extra = merged
            else:
                setattr(customer, name, value)
        set_name_keys(customer)
        customer.usn, customer.updated_at = usn, now
    s.flush()
    s.execute(delete(Tombstone).where(Tombstone.kind == "customer", Tombstone.key.in_(ids)))
    return ids
