"""`import history` (demo and migrated interactions) and `export access`."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from agentdesk.server import db
from agentdesk.server.history_import import import_history
from agentdesk.server.models import SyncedRecord
from agentdesk.server.users import add_user
from tests.server.test_cli import _cli


def _lines(n: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(n):
        call_id = str(uuid.uuid4())
        out.append({"kind": "call_record", "id": call_id, "call_id": f"x{i}",
                    "direction": "outbound", "remote_number": "+8613800138000",
                    "started_at": f"2025-03-0{1 + i % 9}T10:00:00+08:00",
                    "connected_at": None, "ended_at": None, "customer_id": f"C{i % 3}"})
        out.append({"kind": "wrapup", "payload": {
            "id": str(uuid.uuid4()), "call_record_id": call_id, "codes": ["NO_ANSWER"],
            "saved_at": f"2025-03-0{1 + i % 9}T10:01:00+08:00", "auto_wrapped": False}})
    return out


def test_import_history_is_idempotent_and_indexes_like_a_push(
        engine: Engine, app: Any) -> None:
    add_user(engine, app.state.server.hasher, "veteran", "pw", "agent")
    items = _lines(7)
    report = import_history(engine, "veteran", items, chunk_size=4)
    assert (report.accepted, report.duplicates, report.rejected) == (14, 0, [])
    again = import_history(engine, "veteran", items, chunk_size=5)  # other chunks: by id
    assert (again.accepted, again.duplicates) == (0, 14)
    with Session(engine) as s:
        rows = s.scalars(select(SyncedRecord).where(SyncedRecord.kind == "call_record")).all()
        assert len(rows) == 7 and {r.customer_id for r in rows} == {"C0", "C1", "C2"}
        first = next(r for r in rows if r.payload["call_id"] == "x0")
        assert first.occurred_at.isoformat() == "2025-03-01T02:00:00+00:00"
        wrapups = s.scalars(select(SyncedRecord).where(SyncedRecord.kind == "wrapup")).all()
        assert {w.call_record_id for w in wrapups} == {r.id for r in rows}


def test_cli_import_history_reports_bad_lines(db_url: str, engine: Engine, app: Any,
                                              tmp_path: Path) -> None:
    add_user(engine, app.state.server.hasher, "veteran", "pw", "agent")
    good = _lines(2)
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join([
        json.dumps(good[0]), "{not json", json.dumps({"kind": "gossip", "id": "x"}),
        json.dumps({"kind": "note", "id": "not-a-uuid", "created_at": "2025-01-01T00:00Z"}),
        "", json.dumps({"kind": "note", "id": str(uuid.uuid4()), "created_at": "yesterday"}),
        json.dumps(good[1])]) + "\n", encoding="utf-8")
    code, out, err = _cli(db_url, "import", "history", str(path), "--owner", "veteran")
    assert code == 1
    assert err.splitlines() == [
        f"{path}:2: not JSON: Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1)",
        f"{path}:3: kind 'gossip' is not one of call_record, agent_state, wrapup, note, "
        "callback, access_entry, training_result, customer_change, callback_update",
        f"{path}:4: id 'not-a-uuid' is not a UUID",
        f"{path}:6: created_at is missing or not an ISO 8601 time with its zone"]
    assert "imported 2 records, 0 already there, rejected 4" in out
    code, _, err = _cli(db_url, "import", "history", str(path), "--owner", "nobody")
    assert code == 1 and "no user 'nobody'" in err
    code, _, err = _cli(db_url, "import", "history", str(tmp_path / "none.jsonl"),
                        "--owner", "veteran")
    assert code == 2 and "cannot read" in err


def test_export_access_csv_and_jsonl(db_url: str, engine: Engine, app: Any) -> None:
    add_user(engine, app.state.server.hasher, "a", "pw", "agent")
    entries = [{"kind": "access_entry", "id": str(uuid.uuid4()), "customer_id": f"C{i}",
                "reason": "pop", "accessed_at": "2026-11-02T09:00:00+08:00",
                "call_record_id": None} for i in range(3)]
    assert import_history(engine, "a", entries).accepted == 3
    import_history(engine, "a", _lines(1))  # not access entries: not exported
    code, out, _ = _cli(db_url, "export", "access", "--since", "2020-01-01")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["customer_id"] for r in rows) == ["C0", "C1", "C2"]
    assert {r["owner"] for r in rows} == {"a"} and {r["reason"] for r in rows} == {"pop"}
    code, out, _ = _cli(db_url, "export", "access", "--since", "2020-01-01",
                        "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 3


def test_migration_0002_backfills_the_record_columns(empty_db_url: str) -> None:
    from alembic import command

    engine = db.make_engine(empty_db_url)
    try:
        command.upgrade(db.alembic_config(engine), "0001")
        rid = uuid.uuid4()
        call_id = uuid.uuid4()
        payload = json.dumps({"id": str(rid), "call_record_id": str(call_id),
                              "codes": ["X"], "saved_at": "2026-01-01T10:00:00+08:00"})
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (username, role, password_hash, disabled, created_at) "
                "VALUES ('u', 'agent', 'x', false, '2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO customers (customer_id, first_name, last_name, phone, extra, "
                "usn, updated_at) VALUES ('C1', 'Ｗei', 'ZHANG', '+8613800138000', "
                "'{\"native_name\": \"张伟\"}', 1, '2026-01-01 00:00:00')"))
            conn.execute(text(
                "INSERT INTO synced_records (id, kind, owner_id, payload, client_created_at, "
                "received_at) VALUES (:id, 'wrapup', 1, :payload, '2026-01-01 02:00:00', "
                "'2026-01-02 00:00:00')"),
                {"id": rid.hex if engine.dialect.name == "sqlite" else rid,
                 "payload": payload})
        db.migrate(engine)
        with Session(engine) as s:
            record = s.get(SyncedRecord, rid)
            assert record is not None and record.call_record_id == call_id
            assert record.occurred_at.isoformat() == "2026-01-01T02:00:00+00:00"
            keys = s.execute(text("SELECT first_name_key, last_name_key, native_name_key "
                                  "FROM customers")).one()
            assert tuple(keys) == ("wei", "zhang", "张伟")
    finally:
        engine.dispose()
