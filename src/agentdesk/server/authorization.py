"""Who may change what: the rules a push is checked against, record by record, in the
transaction that stores it (issue #12 findings 1 and 2).

Roles:
- an agent changes its own records; it may also close a callback a colleague of its
  team made for the team ("team" or "anyone" owner);
- a supervisor changes its own records and those of the users of its team (a
  supervisor without a team: its own only);
- an admin changes every record.

"Change" is what a record may do to another one through its reference fields:
`supersedes_id` (a re-opened wrap-up replaces a wrap-up: of the same call),
`callback_id` (a callback_update closes a callback) and `call_record_id` (a wrap-up,
note, callback, access entry, customer change or callback update attaches to a call:
a wrap-up on a call decides that call's outcome in every report). Every kind is
checked on every reference field it carries, whatever its kind. A reference to a
record the server does not hold (yet) is accepted: the desktop pushes in the order it
recorded, a record it refers to may come in a later batch, and record ids are random
UUIDs a colleague never learns (the timeline hands out only the reader's own).

Customer changes from a desktop (`customer_change`): an agent may create a customer
(with contact data and an account number) and change the contact data of a customer
visible to it (visibility.py: one it opened, called, noted, created or was assigned);
never segment, account or any `extra` key but the contact ones (complaints, tier,
consent, do-not-call, lifecycle, ...): those are the back office's, changed by
supervisors and admins (`PUT /customers`, or a push from their desktop). Every
applied change is kept in the customer's history (customer_history.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agentdesk.server import visibility
from agentdesk.server.models import Customer, CustomerGrant, SyncedRecord, User
from agentdesk.server.users import Principal

# reference field -> (the kind it must name, what the record does to it)
REFERENCE_FIELDS: dict[str, tuple[str, str]] = {
    "supersedes_id": ("wrapup", "supersede"),
    "callback_id": ("callback", "close"),
    "call_record_id": ("call_record", "attach to"),
}
_SHARED_CALLBACK_OWNERS = frozenset({"team", "anyone"})

# What an agent may write from the desk (module doc). Supervisors and admins: anything.
AGENT_CONTACT_FIELDS = frozenset({"first_name", "last_name", "phone", "email", "language",
                                  "timezone"})
AGENT_CREATE_FIELDS = AGENT_CONTACT_FIELDS | {"account"}
AGENT_CONTACT_EXTRA_KEYS = frozenset({"native_name", "city"})


@dataclass(frozen=True)
class Target:
    """A stored record another one refers to: what the decision needs."""

    kind: str
    owner_id: int
    owner_team: str | None
    call_record_id: uuid.UUID | None
    callback_owner: str | None  # callbacks: "me", "team" or "anyone"


def may_change(who: Principal, target: Target, verb: str) -> bool:
    """Whether `who` may supersede / close / attach to the target (module doc)."""
    if who.role == "admin" or target.owner_id == who.id:
        return True
    same_team = who.team is not None and target.owner_team == who.team
    if who.role == "supervisor" and same_team:
        return True
    return (verb == "close" and target.kind == "callback" and same_team
            and target.callback_owner in _SHARED_CALLBACK_OWNERS)


def _reference(value: Any) -> uuid.UUID | str | None:
    """The referenced id; None when absent; "bad" when it is not a record id."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "bad"
    try:
        return uuid.UUID(value)
    except ValueError:
        return "bad"


def _targets(s: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, Target]:
    if not ids:
        return {}
    # the callback's owner only, not whole payloads: a batch of wrap-ups names as many
    # calls, each payload kilobytes
    rows = s.execute(select(SyncedRecord.id, SyncedRecord.kind, SyncedRecord.owner_id,
                            User.team, SyncedRecord.call_record_id,
                            SyncedRecord.payload["owner"].as_string())
                     .join(User, User.id == SyncedRecord.owner_id)
                     .where(SyncedRecord.id.in_(ids)))
    return {rid: Target(kind, owner_id, team, call_id,
                        owner if kind == "callback" and isinstance(owner, str) else None)
            for rid, kind, owner_id, team, call_id, owner in rows}


def refuse_references(s: Session, who: Principal, records: Sequence[Any],
                      refused: Mapping[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    """Refusal reasons of the batch's records whose reference fields name a record
    `who` may not change (or the wrong kind of record). `records` are the batch's
    unique PushRecords; `refused` those already refused (they will not be stored)."""
    wanted: set[uuid.UUID] = set()
    referring: set[uuid.UUID] = set()
    for record in records:
        for field in REFERENCE_FIELDS:
            ref = _reference(record.payload.get(field))
            if ref is not None:
                referring.add(record.id)
            if isinstance(ref, uuid.UUID):
                wanted.add(ref)
    if not referring:
        return {}
    # the referring records themselves too: one stored before is a duplicate (or
    # another user's id), answered as such, never re-judged
    targets = _targets(s, wanted | referring)
    stored = {rid for rid in referring if rid in targets}
    # a record of this batch that the server does not hold yet is the sender's own
    own = Target("", who.id, who.team, None, None)
    for record in records:
        if record.id in wanted and record.id not in targets and record.id not in refused:
            call = _reference(record.payload.get("call_record_id"))
            owner = record.payload.get("owner") if record.kind == "callback" else None
            targets[record.id] = Target(record.kind, own.owner_id, own.owner_team,
                                        call if isinstance(call, uuid.UUID) else None,
                                        owner if isinstance(owner, str) else None)
    reasons: dict[uuid.UUID, str] = {}
    for record in records:
        if record.id in refused or record.id not in referring or record.id in stored:
            continue
        reason = _reference_problem(who, record, targets)
        if reason:
            reasons[record.id] = f"{record.kind}: {reason}"
    return reasons


def _reference_problem(who: Principal, record: Any,
                       targets: Mapping[uuid.UUID, Target]) -> str | None:
    for field, (kind, verb) in REFERENCE_FIELDS.items():
        ref = _reference(record.payload.get(field))
        if ref is None:
            continue
        if ref == "bad":
            return f"{field} is not a record id"
        assert isinstance(ref, uuid.UUID)
        if ref == record.id:
            return f"{field} names the record itself"
        target = targets.get(ref)
        if target is None:
            continue  # not on the server (yet): see the module doc
        # permission first: a refusal never tells what a colleague's record is
        if not may_change(who, target, verb):
            return (f"{field} names a record you may not {verb} (another user's; "
                    "see the roles in the README)")
        if target.kind != kind:
            return f"{field} names a {target.kind} record, not a {kind}"
        if field == "supersedes_id":
            call = _reference(record.payload.get("call_record_id"))
            if target.call_record_id is not None and call != target.call_record_id:
                return "supersedes_id names a wrap-up of another call"
    return None


# --- customer changes ------------------------------------------------------------------

def _forbidden_fields(fields: Mapping[str, Any], allowed: frozenset[str]) -> list[str]:
    names = [name for name in fields if name != "extra" and name not in allowed]
    extra = fields.get("extra")
    if isinstance(extra, Mapping):
        names += [f"extra.{key}" for key in extra if key not in AGENT_CONTACT_EXTRA_KEYS]
    return sorted(names)


def _granted(s: Session, who: Principal, customer_ids: Iterable[str]) -> set[str]:
    ids = list(set(customer_ids))
    if not ids:
        return set()
    grantees = visibility.grantees_of(who)
    return set(s.scalars(select(CustomerGrant.customer_id).where(
        CustomerGrant.grantee.in_(grantees), CustomerGrant.customer_id.in_(ids))))


def refuse_customer_changes(s: Session, who: Principal, records: Sequence[Any],
                            refused: Mapping[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    """Refusal reasons of the batch's customer_change records that `who` may not
    make (module doc). Supervisors and admins may make every change that is valid."""
    if who.role in ("supervisor", "admin"):
        return {}
    changes = [r for r in records if r.kind == "customer_change" and r.id not in refused]
    if not changes:
        return {}
    stored = set(s.scalars(select(SyncedRecord.id)
                           .where(SyncedRecord.id.in_([r.id for r in changes]))))
    changes = [r for r in changes if r.id not in stored]  # duplicates: applied before
    if not changes:
        return {}
    ids = {r.payload.get("customer_id") for r in changes}
    ids = {cid for cid in ids if isinstance(cid, str)}
    existing = set(s.scalars(select(Customer.customer_id)
                             .where(Customer.customer_id.in_(ids)))) if ids else set()
    visible = _granted(s, who, ids)
    # the batch's own records that make a customer visible (an access entry pushed
    # with the change it preceded on the desktop)
    visible |= {customer_id for r in records
                if r.id not in refused and r.kind != "customer_change"
                for _, customer_id, _ in visibility.record_grants(who, r.kind, r.payload)}
    created_here: set[str] = set()
    reasons: dict[uuid.UUID, str] = {}
    for record in changes:
        payload = record.payload
        customer_id = payload.get("customer_id")
        fields = payload.get("fields")
        if not isinstance(customer_id, str) or not isinstance(fields, Mapping):
            continue  # customer_changes.check refuses it with its reason
        creates = customer_id not in existing and customer_id not in created_here
        if creates:
            forbidden = _forbidden_fields(fields, AGENT_CREATE_FIELDS)
        else:
            if customer_id not in visible and customer_id not in created_here:
                reasons[record.id] = (
                    f"customer_change: customer {customer_id!r} is not visible to you "
                    "(open the customer's file first)")
                continue
            forbidden = _forbidden_fields(fields, AGENT_CONTACT_FIELDS)
        if forbidden:
            reasons[record.id] = (
                f"customer_change: an agent may not change {', '.join(forbidden)} "
                "(contact data only; ask a supervisor)")
            continue
        if creates and payload.get("created") is True:
            created_here.add(customer_id)
    return reasons

