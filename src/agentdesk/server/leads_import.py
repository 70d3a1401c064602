"""`agentdesk-server import leads CAMPAIGN_ID FILE`: a campaign's leads from CSV.

Header: `lead_id` and `phone` required; optional first_name, last_name, timezone
(IANA), consent (yes/no; empty = no), priority (int, higher first), customer_id;
other columns are kept in the lead's `extra`. Numbers in any common format are
normalized with the campaign's default_region. Each lead is linked to its customer:
its customer_id, else the one customer with that number, else a new customer (an id
made from the campaign and lead id), and the customer is granted to the campaign's
assignees (visibility), so the pop shows the file and its history.

Re-importing a file updates only the imported fields of leads that changed: state,
attempts and schedules stay, and an unchanged file changes nothing at all.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import Engine, String, any_, bindparam, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from agentdesk.core.campaigns.campaign_file import Campaign
from agentdesk.core.campaigns.gate import known_zone, zones_of_parsed
from agentdesk.server import visibility
from agentdesk.server.campaign_models import CampaignLead
from agentdesk.server.customer_import import ImportFileError, _read_text
from agentdesk.server.models import Customer, CustomerGrant, Tombstone, utcnow
from agentdesk.server.reference import name_key, next_usn

REQUIRED = ("lead_id", "phone")
KNOWN = ("lead_id", "phone", "first_name", "last_name", "timezone", "consent", "priority",
         "customer_id")
LIMITS = {"lead_id": 64, "customer_id": 64, "first_name": 100, "last_name": 100,
          "timezone": 64}
CONSENT = {"yes": True, "no": False, "": False}
BATCH_SIZE = 1000


@dataclass
class LeadsReport:
    imported: int = 0  # rows taken (new or updated or unchanged)
    created: int = 0
    updated: int = 0
    customers_created: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def read_csv(path: Path, encoding: str, required: Sequence[str],
             ) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of a CSV file with a header (UTF-8 with or without BOM, GB18030,
    ...); a row with the wrong number of fields comes as {"\\0error": reason}."""
    text = _read_text(path, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFileError("the file is empty: it needs a header row") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFileError(f"the header lacks {', '.join(missing)} (it needs at least "
                              f"{','.join(required)})")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise ImportFileError(f"the header repeats {', '.join(duplicated)}")

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        line = reader.line_num
        for values in reader:
            start, line = line + 1, reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield start, {"\0error": f"{len(values)} fields, the header has {len(header)}"}
                continue
            yield start, {k: v.strip() for k, v in zip(header, values, strict=True)}

    return rows()


def parse_number(raw: str, region: str) -> phonenumbers.PhoneNumber:
    if not raw:
        raise ValueError("phone is missing")
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"phone {raw!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"phone {raw!r} is not a valid number (region {region})")
    return number


def e164(number: phonenumbers.PhoneNumber) -> str:
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _lead_fields(row: dict[str, str], region: str) -> dict[str, Any]:
    if "\0error" in row:
        raise ValueError(row["\0error"])
    if not row["lead_id"]:
        raise ValueError("lead_id is missing")
    for name, limit in LIMITS.items():
        if len(row.get(name, "")) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    number = parse_number(row["phone"], region)
    zone = row.get("timezone") or None
    if zone is not None and not known_zone(zone):
        raise ValueError(f"unknown time zone {zone!r}")
    consent_text = row.get("consent", "").lower()
    if consent_text not in CONSENT:
        raise ValueError(f"bad consent value {row.get('consent')!r} (yes, no or empty)")
    priority_text = row.get("priority", "")
    try:
        priority = int(priority_text) if priority_text else 0
    except ValueError:
        raise ValueError(f"priority {priority_text!r} is not a whole number") from None
    return {
        "phone": e164(number), "customer_id": row.get("customer_id") or None,
        "first_name": row.get("first_name") or None, "last_name": row.get("last_name") or None,
        "timezone": zone, "number_zones": "|".join(zones_of_parsed(number)),
        "consent": CONSENT[consent_text], "priority": priority, "queue_rank": -priority,
        "extra": {k: v for k, v in row.items() if k not in KNOWN and k and v}}


def lead_customer_id(campaign_id: str, lead_id: str) -> str:
    digest = hashlib.sha256(f"{campaign_id}\0{lead_id}".encode()).hexdigest()
    return f"lead-{digest[:24]}"


def _in(s: Session, column: Any, values: Iterable[str]) -> Any:
    """column IN values; on PostgreSQL `= ANY(array)`: one parameter, planned once,
    where a 1,000-item IN list is planned afresh for every batch."""
    values = list(values)
    if s.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(String)))
    return column.in_(values)


def _grant(s: Session, grantees: list[str], customer_ids: set[str], reason: str) -> None:
    """visibility.grant for one batch, the existing grants read with two IN lists (an
    index range per grantee) rather than a list of pairs, which PostgreSQL cannot
    serve from the index: a 100,000-lead import stays linear."""
    if not grantees or not customer_ids:
        return
    ids = sorted(customer_ids)
    if s.get_bind().dialect.name == "postgresql":
        # the batch's ids as a relation joined to the grants: an index probe per id
        # (unique (grantee, customer_id)) or one hash of the ids. `customer_id =
        # ANY(array)` was served from ix_customer_grants_grantee_usn while the table had
        # no statistics yet (the import fills it), every grant of the grantee filtered
        # by a linear search of the 1,000-id array (a prepared statement's generic plan
        # does not hash the array): a cost per batch growing with the table.
        batch = func.unnest(bindparam(None, ids, type_=ARRAY(String))).table_valued(
            "customer_id").render_derived(name="batch")
        query = (select(CustomerGrant.grantee, CustomerGrant.customer_id)
                 .join_from(batch, CustomerGrant,
                            CustomerGrant.customer_id == batch.c.customer_id)
                 .where(CustomerGrant.grantee.in_(grantees)))
    else:
        query = select(CustomerGrant.grantee, CustomerGrant.customer_id).where(
            CustomerGrant.grantee.in_(grantees), CustomerGrant.customer_id.in_(ids))
    existing = {(g, c) for g, c in s.execute(query)}
    new = [(g, c) for g in grantees for c in ids if (g, c) not in existing]
    if not new:
        return
    usn, now = next_usn(s), utcnow()
    insert = (postgresql.insert if s.get_bind().dialect.name == "postgresql"
              else sqlite.insert)(CustomerGrant)
    # ON CONFLICT DO NOTHING: a concurrent push may grant the same customer meanwhile
    s.execute(insert.on_conflict_do_nothing(), [
        {"grantee": g, "customer_id": c, "usn": usn, "reason": reason[:visibility.REASON_MAX],
         "granted_at": now} for g, c in new])


def _insert_customers(s: Session, customers: dict[str, dict[str, Any]]) -> int:
    """New customers in one statement under one USN (they do not exist: checked)."""
    usn, now = next_usn(s), utcnow()
    ids = list(customers)
    s.execute(delete(Tombstone).where(Tombstone.kind == "customer", Tombstone.key.in_(ids)))
    s.execute(Customer.__table__.insert(), [
        {"customer_id": customer_id, "first_name": c["first_name"], "last_name": c["last_name"],
         "phone": c["phone"], "email": None, "account": None, "segment": None,
         "language": None, "timezone": c["timezone"], "extra": c["extra"], "usn": usn,
         "updated_at": now, "first_name_key": name_key(c["first_name"]) or "",
         "last_name_key": name_key(c["last_name"]) or "", "native_name_key": None}
        for customer_id, c in customers.items()])
    return len(customers)


def import_leads(engine: Engine, campaign: Campaign, path: Path, *, encoding: str = "utf-8",
                 batch_size: int = BATCH_SIZE) -> LeadsReport:
    rows = read_csv(path, encoding, REQUIRED)
    region = campaign.rules.default_region
    report = LeadsReport()
    seen: dict[str, int] = {}
    batch: list[tuple[str, dict[str, Any]]] = []
    for line, row in rows:
        try:
            fields = _lead_fields(row, region)
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
            continue
        lead_id = row["lead_id"]
        if lead_id in seen:
            report.rejected.append((line, f"duplicate lead_id {lead_id!r} (line {seen[lead_id]})"))
            continue
        seen[lead_id] = line
        batch.append((lead_id, fields))
        if len(batch) >= batch_size:
            _store(engine, campaign, batch, report)
            batch = []
    _store(engine, campaign, batch, report)
    return report


def _store(engine: Engine, campaign: Campaign, batch: list[tuple[str, dict[str, Any]]],
           report: LeadsReport) -> None:
    if not batch:
        return
    campaign_id = campaign.id
    with Session(engine) as s, s.begin():
        existing = {lead.lead_id: lead for lead in s.scalars(
            select(CampaignLead).where(CampaignLead.campaign_id == campaign_id,
                                       _in(s, CampaignLead.lead_id, [b[0] for b in batch])))}
        # the customer of each lead: its own customer_id, else the lead's link kept from
        # an earlier import, else the one customer with the number, else a new one
        for lead_id, fields in batch:
            if fields["customer_id"] is None and lead_id in existing:
                fields["customer_id"] = existing[lead_id].customer_id
        phones = {f["phone"] for _, f in batch if f["customer_id"] is None}
        by_phone: dict[str, list[str]] = {}
        if phones:
            for customer_id, phone in s.execute(select(Customer.customer_id, Customer.phone)
                                                .where(_in(s, Customer.phone, phones))):
                by_phone.setdefault(phone, []).append(customer_id)
        named = {f["customer_id"] for _, f in batch if f["customer_id"]}
        known = set(s.scalars(select(Customer.customer_id)
                              .where(_in(s, Customer.customer_id, named)))) if named else set()
        new_customers: dict[str, dict[str, Any]] = {}
        for lead_id, fields in batch:
            if fields["customer_id"] is None:
                found = by_phone.get(fields["phone"], [])
                if len(found) == 1:
                    fields["customer_id"] = found[0]
                    known.add(found[0])
                else:
                    fields["customer_id"] = lead_customer_id(campaign_id, lead_id)
            customer_id = fields["customer_id"]
            if customer_id not in known and customer_id not in new_customers:
                new_customers[customer_id] = {
                    "first_name": fields["first_name"] or "", "phone": fields["phone"],
                    "last_name": fields["last_name"] or "", "timezone": fields["timezone"],
                    "extra": {"source": f"campaign:{campaign_id}"}}
        if new_customers:  # an id made for a lead may exist from an earlier import
            for customer_id in s.scalars(select(Customer.customer_id).where(
                    _in(s, Customer.customer_id, new_customers))):
                del new_customers[customer_id]
        if new_customers:
            report.customers_created += _insert_customers(s, new_customers)
        now = utcnow()
        fresh = []
        for lead_id, fields in batch:
            lead = existing.get(lead_id)
            if lead is None:
                fresh.append({"campaign_id": campaign_id, "lead_id": lead_id, "state": "new",
                              "attempts": 0, "imported_at": now, "updated_at": now, **fields})
                continue
            changed = {k: v for k, v in fields.items() if getattr(lead, k) != v}
            if changed:
                for k, v in changed.items():
                    setattr(lead, k, v)
                lead.held_until, lead.updated_at = None, now
                report.updated += 1
        if fresh:
            s.execute(CampaignLead.__table__.insert(), fresh)
            report.created += len(fresh)
        report.imported += len(batch)
        assigned = campaign.document.get("assigned") or {}
        grantees = [visibility.team_grantee(t) for t in assigned.get("teams", [])]
        grantees += [visibility.user_grantee(a) for a in assigned.get("agents", [])]
        _grant(s, grantees, {f["customer_id"] for _, f in batch}, f"campaign:{campaign_id}")
