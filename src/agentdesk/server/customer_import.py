"""Importing customers from a CSV file (Excel exports: UTF-8 with or without BOM,
or GB18030 from Chinese Windows). Good rows go in one transaction per batch; each
bad row is reported with its line number and the reason."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from agentdesk.server.reference import upsert_customers_in

REQUIRED = ("customer_id", "first_name", "last_name", "phone")
OPTIONAL = ("email", "account", "segment", "language", "timezone")
LIMITS = {"customer_id": 64, "first_name": 100, "last_name": 100, "email": 254,
          "account": 64, "segment": 64, "language": 16, "timezone": 64}
BATCH_SIZE = 500


class ImportFileError(ValueError):
    """The file cannot be imported at all (unreadable, wrong encoding, bad header)."""


@dataclass
class ImportReport:
    imported: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def normalize_phone(raw: str, region: str) -> str:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"phone {raw!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"phone {raw!r} is not a valid number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _read_text(path: Path, encoding: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    codec = "utf-8-sig" if encoding.replace("_", "-").lower() in ("utf-8", "utf8") else encoding
    try:
        return data.decode(codec)
    except LookupError:
        raise ImportFileError(f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        hint = " (try --encoding gb18030)" if codec == "utf-8-sig" else ""
        raise ImportFileError(f"{path} is not valid {encoding} at line {line}{hint}") from None


def _rows(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportFileError("the file is empty: it needs a header row") from None
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ImportFileError(f"the header lacks {', '.join(missing)} (it needs at least "
                              f"{','.join(REQUIRED)})")
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
            yield start, dict(zip(header, values, strict=True))

    return header, rows()


def _customer(row: dict[str, str], region: str) -> tuple[str, dict[str, Any]]:
    if "\0error" in row:
        raise ValueError(row["\0error"])
    values = {k: v.strip() for k, v in row.items()}
    for name, value in values.items():  # PostgreSQL stores no NUL (issue #12)
        if "\x00" in name or "\x00" in value:
            raise ValueError(f"{name.replace(chr(0), '') or 'a column'} contains a NUL "
                             "character")
    for name in REQUIRED:
        if not values[name]:
            raise ValueError(f"{name} is empty")
    for name, limit in LIMITS.items():
        if len(values.get(name, "")) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
    email = values.get("email") or None
    if email is not None and ("@" not in email or " " in email):
        raise ValueError(f"email {email!r} is not an address")
    fields: dict[str, Any] = {
        "first_name": values["first_name"], "last_name": values["last_name"],
        "phone": normalize_phone(values["phone"], region), "email": email}
    for name in OPTIONAL[1:]:
        fields[name] = values.get(name) or None
    fields["extra"] = {k: v for k, v in values.items()
                       if k not in REQUIRED and k not in OPTIONAL and k and v}
    return values["customer_id"], fields


def import_customers(engine: Engine, path: Path, *, encoding: str = "utf-8",
                     region: str = "CN", batch_size: int = BATCH_SIZE) -> ImportReport:
    _, rows = _rows(_read_text(path, encoding))
    report = ImportReport()
    seen: dict[str, int] = {}
    batch: list[tuple[int, str, dict[str, Any]]] = []

    def flush() -> None:
        if not batch:
            return
        with Session(engine) as s, s.begin():
            report.imported += upsert_customers_in(s, [(cid, f) for _, cid, f in batch])
        batch.clear()

    for line, row in rows:
        try:
            customer_id, fields = _customer(row, region)
        except ValueError as exc:
            report.rejected.append((line, str(exc)))
            continue
        if customer_id in seen:
            report.rejected.append(
                (line, f"customer_id {customer_id} repeats line {seen[customer_id]}"))
            continue
        seen[customer_id] = line
        batch.append((line, customer_id, fields))
        if len(batch) >= batch_size:
            flush()
    flush()
    return report
