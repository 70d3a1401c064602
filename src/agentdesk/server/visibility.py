"""Which customers an agent's pull carries (issue #4 item 5: "customers seen before and
the leads of assigned campaigns are in the local store").

With a million customers no desktop can hold them all. An agent pulls:
- the customers it has accessed (access_entry), called (call_record), written a note
  about, or created / changed (customer_change);
- the customers with a callback it owns, or owned by "team" in its team;
- the leads of campaigns assigned to it or to its team.
Supervisors and admins pull every customer. The online search and lookup endpoints
stay center-wide (the screen pop must find any caller; every read is recorded as an
access entry, which in turn grants the customer to the agent).

A grant (models.CustomerGrant) names a grantee, "user:NAME" or "team:NAME", and a
customer, and carries a USN from the same counter as reference data, taken in the
transaction that made the customer visible. A pull from cursor C up to head H then
carries every visible customer whose own USN or newest grant USN is in (C, H]: a
customer that becomes visible arrives at the next pull although its own USN is older
than the cursor. Grants are only ever added; tombstones stay global.

A campaign document (kind `campaign`) is at least:
    {"id": KEY, "title": str | {language: str},
     "assigned": {"teams": [str], "agents": [username]},
     "leads": [customer_id, ...] (optional), "script_id": str | null (optional)}
and the campaign file's rules (docs/campaigns.md). Other keys are kept as they are.
Putting one grants its leads to its assignees (a change of leads or assignment
reaches those desktops at their next pull); leads imported with `import leads` are
granted by leads_import.py the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from agentdesk.server.models import Customer, CustomerGrant, utcnow
from agentdesk.server.users import Principal

# The record kinds whose customer_id makes the customer visible to the record's owner.
GRANTING_KINDS = frozenset({"call_record", "access_entry", "note", "callback",
                            "customer_change"})
CUSTOMER_ID_MAX = 64
REASON_MAX = 160

Grant = tuple[str, str, str]  # (grantee, customer_id, reason)


class CampaignError(ValueError):
    """A campaign document without the minimum shape; the message names the field."""


def user_grantee(username: str) -> str:
    return f"user:{username}"


def team_grantee(team: str) -> str:
    return f"team:{team}"


def grantees_of(who: Principal) -> list[str]:
    return [user_grantee(who.username)] + ([team_grantee(who.team)] if who.team else [])


def sees_every_customer(who: Principal | None) -> bool:
    return who is None or who.role in ("supervisor", "admin")


def record_grants(who: Principal, kind: str, payload: Mapping[str, Any]) -> list[Grant]:
    """The grants a stored record of `who` makes (none for other kinds)."""
    customer_id = payload.get("customer_id")
    if kind not in GRANTING_KINDS or not isinstance(customer_id, str) \
            or not 0 < len(customer_id) <= CUSTOMER_ID_MAX:
        return []
    grants = [(user_grantee(who.username), customer_id, kind)]
    if kind == "callback" and payload.get("owner") == "team" and who.team:
        grants.append((team_grantee(who.team), customer_id, kind))
    return grants


def check_campaign(key: str, document: Mapping[str, Any]) -> None:
    """Raise CampaignError unless the document is a valid campaign (the minimum shape
    above, and every rule of the campaign file: core.campaigns.campaign_file)."""
    from agentdesk.core.campaigns.campaign_file import (
        CampaignInvalidError,
        check_campaign_document,
    )

    try:
        check_campaign_document(key, document)
    except CampaignInvalidError as exc:
        raise CampaignError(f"campaign {key!r}: {exc.problems[0]}") from None


def campaign_grants(key: str, document: Mapping[str, Any]) -> list[Grant]:
    """Every lead of a (checked) campaign document for every assignee."""
    assigned = document["assigned"]
    grantees = [team_grantee(t) for t in assigned.get("teams", [])]
    grantees += [user_grantee(a) for a in assigned.get("agents", [])]
    reason = f"campaign:{key}"[:REASON_MAX]
    return [(grantee, lead, reason) for grantee in grantees
            for lead in document.get("leads", [])]


def _insert(s: Session) -> Any:
    dialect = s.get_bind().dialect.name
    return (postgresql.insert(CustomerGrant) if dialect == "postgresql"
            else sqlite.insert(CustomerGrant))


def grant(s: Session, grants: Iterable[Grant], usn: int | None = None) -> int:
    """Add the grants that do not exist yet, in the caller's transaction, under `usn`
    (else the next USN, taken only when something is new). Returns how many were new."""
    from agentdesk.server.reference import next_usn  # reference imports this module

    wanted: dict[tuple[str, str], str] = {}
    for grantee, customer_id, reason in grants:
        wanted.setdefault((grantee, customer_id), reason[:REASON_MAX])
    if not wanted:
        return 0
    existing: set[tuple[str, str]] = set()
    pairs = list(wanted)
    for start in range(0, len(pairs), 500):
        chunk = pairs[start:start + 500]
        existing.update((g, c) for g, c in s.execute(
            select(CustomerGrant.grantee, CustomerGrant.customer_id).where(
                tuple_(CustomerGrant.grantee, CustomerGrant.customer_id).in_(chunk))))
    new = [pair for pair in pairs if pair not in existing]
    if not new:
        return 0
    usn = next_usn(s) if usn is None else usn
    now = utcnow()
    # ON CONFLICT DO NOTHING: a concurrent push may grant the same customer meanwhile.
    s.execute(_insert(s).on_conflict_do_nothing(), [
        {"grantee": grantee, "customer_id": customer_id, "usn": usn,
         "reason": wanted[(grantee, customer_id)], "granted_at": now}
        for grantee, customer_id in new])
    return len(new)


def visible_customers(s: Session, who: Principal, low: int, high: int,
                      limit: int | None) -> list[tuple[int, Customer]]:
    """(effective USN, customer) for the agent's visible customers whose own USN or
    newest grant USN (both <= high) is above `low`, in effective-USN order."""
    newest = (select(CustomerGrant.customer_id, func.max(CustomerGrant.usn).label("usn"))
              .where(CustomerGrant.grantee.in_(grantees_of(who)), CustomerGrant.usn <= high)
              .group_by(CustomerGrant.customer_id).subquery())
    effective = case((Customer.usn > newest.c.usn, Customer.usn), else_=newest.c.usn)
    query = (select(effective, Customer)
             .join(newest, newest.c.customer_id == Customer.customer_id)
             .where(Customer.usn <= high, (Customer.usn > low) | (newest.c.usn > low))
             .order_by(effective, Customer.id))
    if limit is not None:
        query = query.limit(limit)
    return [(int(usn), customer) for usn, customer in s.execute(query)]
