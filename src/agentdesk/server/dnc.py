"""Do-not-call lists: the global list (scope "") and one list per campaign (scope = its
id), from `agentdesk-server import dnc FILE [--campaign ID] [--region CN]` and from
wrap-ups whose code carries the `dnc_request` flag.

A wrap-up reaching the server (records.push) puts the call's number on the global
list in the same transaction; the call's current wrap-up decides: when a re-opened
wrap-up no longer has such a code, the entry that call's wrap-up made is removed (an
entry from an import or another call stays). The codes flagged dnc_request are read
from the published code sets (the campaign's own `code_set` when the call has a
campaign that names one, else every set).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from agentdesk.server.campaign_models import DncEntry
from agentdesk.server.leads_import import e164, parse_number, read_csv
from agentdesk.server.models import ReferenceItem, SyncedRecord, utcnow

GLOBAL = ""
BATCH_SIZE = 1000


@dataclass
class DncReport:
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _since(text: str) -> datetime:
    if not text:
        return utcnow()
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"since {text!r} is not a date or an ISO 8601 time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _upsert(s: Session, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = s.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(DncEntry)
    statement = insert.on_conflict_do_update(
        index_elements=["scope", "phone"],
        set_={"reason": insert.excluded.reason, "since": insert.excluded.since,
              "source": insert.excluded.source})
    s.execute(statement, rows)


def import_dnc(engine: Engine, path: Path, *, scope: str = GLOBAL, region: str = "CN",
               encoding: str = "utf-8") -> DncReport:
    rows = read_csv(path, encoding, ("phone",))
    report = DncReport()
    batch: dict[str, dict[str, Any]] = {}
    now = utcnow()

    def flush() -> None:
        if batch:
            with Session(engine) as s, s.begin():
                _upsert(s, list(batch.values()))
            batch.clear()

    for line, row in rows:
        try:
            if "\0error" in row:
                raise ValueError(row["\0error"])
            phone = e164(parse_number(row["phone"], region))
            reason = row.get("reason") or None
            if reason is not None and len(reason) > 200:
                raise ValueError("reason is longer than 200 characters")
            since = _since(row.get("since", ""))
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
            continue
        batch[phone] = {"scope": scope, "phone": phone, "reason": reason, "since": since,
                        "source": "import", "created_at": now}
        report.imported += 1
        if len(batch) >= BATCH_SIZE:
            flush()
    flush()
    return report


def hits(s: Session, phones: Iterable[str], campaign_id: str | None,
         at: datetime) -> dict[str, set[str]]:
    """phone -> {"global", "campaign"} for the numbers on a list at `at`."""
    phones = list(set(phones))
    scopes = [GLOBAL] + ([campaign_id] if campaign_id else [])
    found: dict[str, set[str]] = {}
    for start in range(0, len(phones), 1000):
        chunk = phones[start:start + 1000]
        for scope, phone in s.execute(select(DncEntry.scope, DncEntry.phone).where(
                DncEntry.phone.in_(chunk), DncEntry.scope.in_(scopes), DncEntry.since <= at)):
            found.setdefault(phone, set()).add("global" if scope == GLOBAL else "campaign")
    return found


def all_numbers(s: Session, campaign_id: str, at: datetime) -> tuple[set[str], set[str]]:
    """(global numbers, the campaign's numbers) on the lists at `at`."""
    glob: set[str] = set()
    own: set[str] = set()
    for scope, phone in s.execute(select(DncEntry.scope, DncEntry.phone).where(
            DncEntry.scope.in_([GLOBAL, campaign_id]), DncEntry.since <= at)):
        (glob if scope == GLOBAL else own).add(phone)
    return glob, own


# --- wrap-ups flagged dnc_request ---------------------------------------------------------


def _dnc_codes(s: Session, code_set: str | None) -> set[str]:
    query = select(ReferenceItem.key, ReferenceItem.document).where(
        ReferenceItem.kind == "wrapup_code_set")
    if code_set:
        query = query.where(ReferenceItem.key == code_set)
    codes: set[str] = set()
    for _key, document in s.execute(query):
        for category in (document or {}).get("categories", []) or []:
            for code in (category or {}).get("codes", []) or []:
                if isinstance(code, dict) and "dnc_request" in (code.get("flags") or []):
                    codes.add(str(code.get("code")))
    return codes


def _campaign_code_set(s: Session, campaign_id: Any) -> str | None:
    if not isinstance(campaign_id, str):
        return None
    document = s.scalar(select(ReferenceItem.document).where(
        ReferenceItem.kind == "campaign", ReferenceItem.key == campaign_id))
    value = (document or {}).get("code_set")
    return value if isinstance(value, str) else None


def apply_wrapups(s: Session, stored: Iterable[Any]) -> None:
    """Called by records.push with the records it stored now: for every call whose
    wrap-up or call record arrived, make the global list follow its current wrap-up."""
    calls: set[uuid.UUID] = set()
    for record in stored:
        if record.kind == "wrapup":
            value = record.payload.get("call_record_id")
        elif record.kind == "call_record":
            value = str(record.id)
        else:
            continue
        try:
            calls.add(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not calls:
        return
    wrapups: dict[uuid.UUID, list[SyncedRecord]] = {}
    for row in s.scalars(select(SyncedRecord).where(
            SyncedRecord.kind == "wrapup", SyncedRecord.call_record_id.in_(calls))):
        if row.call_record_id is not None:
            wrapups.setdefault(row.call_record_id, []).append(row)
    if not wrapups:
        return
    call_rows = {row.id: row for row in s.scalars(select(SyncedRecord).where(
        SyncedRecord.kind == "call_record", SyncedRecord.id.in_(list(wrapups))))}
    code_cache: dict[str | None, set[str]] = {}
    for call_id, rows in wrapups.items():
        call = call_rows.get(call_id)
        number = call.payload.get("remote_number") if call is not None else None
        if not isinstance(number, str) or not number.startswith("+"):
            continue  # the call record has not arrived yet: its own push applies it
        superseded = {str(r.payload.get("supersedes_id")) for r in rows
                      if r.payload.get("supersedes_id")}
        current = [r for r in rows if str(r.id) not in superseded]
        if not current:
            continue
        newest = max(current, key=lambda r: (r.occurred_at, r.received_at))
        code_set = _campaign_code_set(s, call.payload.get("campaign_id")) \
            if call is not None else None
        if code_set not in code_cache:
            code_cache[code_set] = _dnc_codes(s, code_set)
        flagged = [c for c in newest.payload.get("codes") or [] if c in code_cache[code_set]]
        sources = [f"wrapup:{r.id}" for r in rows]
        if flagged:
            existing = s.scalar(select(DncEntry).where(DncEntry.scope == GLOBAL,
                                                       DncEntry.phone == number))
            if existing is None:
                _upsert(s, [{"scope": GLOBAL, "phone": number,
                             "reason": f"dnc_request {flagged[0]}"[:200],
                             "since": newest.received_at, "source": f"wrapup:{newest.id}",
                             "created_at": utcnow()}])
        else:
            s.execute(delete(DncEntry).where(DncEntry.scope == GLOBAL, DncEntry.phone == number,
                                             DncEntry.source.in_(sources)))
