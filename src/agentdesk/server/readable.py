"""Reads never fail on one bad row (issue #12, finding 3).

The wire models refuse what a database cannot store or a client cannot read back
(sync.wire.json_problem); rows stored before those checks existed may still hold it:
a payload nested 300 levels deep, a lone surrogate, NaN, a time PostgreSQL stores but
Python cannot represent. Every read path asks here whether a row can be served; one
that cannot is skipped and logged (its id at WARNING, the reason at DEBUG: a reason
names the field, which may be a key chosen by a desktop) - never a 500 for everyone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from agentdesk.server.models import Customer, ReferenceItem, SyncedRecord
from agentdesk.sync.wire import json_problem, text_problem, time_problem

log = logging.getLogger(__name__)

# On read, length limits are not the point (what was stored can be served); what breaks
# a response is structure and text.
_READ_TEXT_MAX = 10**9
_CUSTOMER_TEXT = ("customer_id", "first_name", "last_name", "phone", "email", "account",
                  "segment", "language", "timezone")

def _json(value: Any, where: str) -> str | None:
    return json_problem(value, where, max_text=_READ_TEXT_MAX, check_times=False)


def _times(*values: tuple[str, datetime | None]) -> str | None:
    for name, value in values:
        problem = None if value is None else time_problem(value)
        if problem is not None:
            return f"{name} {problem}"
    return None


def record_problem(record: SyncedRecord) -> str | None:
    if not isinstance(record.payload, dict):
        return "payload: not an object"
    return _json(record.payload, "payload") or _times(
        ("client_created_at", record.client_created_at), ("occurred_at", record.occurred_at),
        ("received_at", record.received_at))


def customer_problem(customer: Customer) -> str | None:
    for name in _CUSTOMER_TEXT:
        value = getattr(customer, name)
        problem = text_problem(value) if isinstance(value, str) else None
        if problem is not None:
            return f"{name}: {problem}"
    if not isinstance(customer.extra, dict):
        return "extra: not an object"
    return _json(customer.extra, "extra")


def document_problem(item: ReferenceItem) -> str | None:
    if not isinstance(item.document, dict):
        return "document: not an object"
    return text_problem(item.key) or _json(item.document, "document")


def _skipped(what: str, ident: object, problem: str) -> None:
    log.warning("skipped an unreadable %s (%s) stored by an older server", what, ident)
    log.debug("unreadable %s %s: %s", what, ident, problem)


def record_ok(record: SyncedRecord) -> bool:
    problem = record_problem(record)
    if problem is not None:
        _skipped(f"{record.kind} record", record.id, problem)
    return problem is None


def customer_ok(customer: Customer) -> bool:
    problem = customer_problem(customer)
    if problem is not None:
        _skipped("customer", f"row {customer.id}", problem)
    return problem is None


def document_ok(item: ReferenceItem) -> bool:
    problem = document_problem(item)
    if problem is not None:
        _skipped(f"{item.kind} document", f"row {item.id}", problem)
    return problem is None


def record_rows(rows: Iterable[Any]) -> Iterator[Any]:
    """(record, ...) rows whose record can be served."""
    return (row for row in rows if record_ok(row[0]))


def safe_extra(customer: Customer) -> dict[str, Any]:
    """The customer's extra if it can be served, else {} (its complaints are unknown)."""
    extra = customer.extra
    return extra if isinstance(extra, dict) and _json(extra, "extra") is None else {}
