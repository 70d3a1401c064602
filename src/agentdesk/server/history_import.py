"""Bulk-loading historic interactions (demo data, migrations from another system).

Records go through records.push, the path desktops use, so they are stored and
indexed exactly as pushed ones. It is idempotent: a record id seen before counts as a
duplicate, and each chunk's batch key is derived from the ids it carries, so loading
the same file twice creates nothing the second time."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agentdesk.server.models import User
from agentdesk.server.records import OWN_TIME_FIELD, parse_time, push
from agentdesk.server.users import Principal, UserError
from agentdesk.sync.wire import MAX_BATCH_RECORDS, RECORD_KINDS, PushBatch, PushRecord


class HistoryFileError(ValueError):
    """The file cannot be read at all."""


@dataclass
class HistoryReport:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (item number, reason)


def _record(item: Mapping[str, Any]) -> PushRecord:
    """One `{"kind": ..., <payload fields>}` or `{"kind", "payload"}` object (an
    `owner` key is not part of the payload)."""
    if not isinstance(item, Mapping):
        raise ValueError("not a JSON object")
    kind = item.get("kind")
    if kind not in RECORD_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(RECORD_KINDS)}")
    payload = item.get("payload")
    if payload is None:
        payload = {k: v for k, v in item.items() if k not in ("kind", "owner")}
    if not isinstance(payload, dict):
        raise ValueError("payload is not an object")
    try:
        record_id = uuid.UUID(str(payload.get("id")))
    except ValueError:
        raise ValueError(f"id {payload.get('id')!r} is not a UUID") from None
    time_field = OWN_TIME_FIELD.get(str(kind), "created_at")
    created = parse_time(payload.get(time_field))
    if created is None:
        raise ValueError(f"{time_field} is missing or not an ISO 8601 time with its zone")
    try:
        return PushRecord(id=record_id, kind=kind, payload=payload, client_created_at=created)
    except ValidationError as exc:
        raise ValueError(str(exc.errors()[0].get("msg"))) from None


def _principal(engine: Engine, username: str) -> Principal | None:
    with Session(engine) as s, s.begin():
        user = s.scalar(select(User).where(User.username == username))
        return None if user is None else Principal(user.id, user.username, user.role,
                                                   user.team)


def import_history(engine: Engine, owner_username: str | None,
                   payload_records: Iterable[Mapping[str, Any]],
                   *, chunk_size: int = MAX_BATCH_RECORDS) -> HistoryReport:
    """Ingest record payloads (contracts.md shapes, each with its `kind`) as pushed by
    their owner: the item's `owner` when it has one, else `owner_username`. Returns
    what was accepted, duplicated and rejected (by the item's 1-based number). Raises
    UserError when `owner_username` is given but no such user exists."""
    if owner_username is not None and _principal(engine, owner_username) is None:
        raise UserError(f"no user {owner_username!r}")
    report = HistoryReport()
    owners: dict[str, Principal | None] = {}
    chunks: dict[str, list[PushRecord]] = {}

    def flush(owner: str) -> None:
        chunk = chunks.pop(owner, [])
        who = owners.get(owner)
        if not chunk or who is None:
            return
        digest = hashlib.sha256("".join(sorted(str(r.id) for r in chunk)).encode())
        result, _ = push(engine, who, PushBatch(batch_id=f"import-{digest.hexdigest()[:40]}",
                                                records=chunk))
        report.accepted += result.accepted
        report.duplicates += result.duplicates
        report.rejected += [(0, f"{r.id}: {r.reason}") for r in result.rejected]

    for number, item in enumerate(payload_records, start=1):
        try:
            record = _record(item)
            owner = item.get("owner", owner_username)
            if not isinstance(owner, str):
                raise ValueError("no owner: the item has none and no default owner was given")
            if owner not in owners:
                owners[owner] = _principal(engine, owner)
            if owners[owner] is None:
                raise ValueError(f"no user {owner!r}")
        except ValueError as exc:
            report.rejected.append((number, str(exc)))
            continue
        chunks.setdefault(owner, []).append(record)
        if len(chunks[owner]) >= chunk_size:
            flush(owner)
    for owner in list(chunks):
        flush(owner)
    return report


def read_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, parsed object) per non-blank line; a line that is not JSON
    yields a ValueError saying so instead of an object."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise HistoryFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise HistoryFileError(f"{path} is not UTF-8") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as exc:
            yield number, ValueError(f"not JSON: {exc}")


def import_history_file(engine: Engine, owner_username: str | None,
                        path: Path) -> HistoryReport:
    """`import history FILE.jsonl`: like import_history, errors reported by line."""
    lines = list(read_jsonl(path))
    good = [(n, obj) for n, obj in lines if not isinstance(obj, ValueError)]
    report = import_history(engine, owner_username, (obj for _, obj in good))
    line_of = [n for n, _ in good]
    report.rejected = [(line_of[i - 1] if i else 0, reason) for i, reason in report.rejected]
    report.rejected += [(n, str(obj)) for n, obj in lines if isinstance(obj, ValueError)]
    report.rejected.sort()
    return report
