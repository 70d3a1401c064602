from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agentdesk.server import reference
from agentdesk.server.cli import main
from tests.server.conftest import record


def _run_cli(db_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, AGENTDESK_ARGON2_TIME_COST="1", AGENTDESK_ARGON2_MEMORY_KIB="1024")
    return subprocess.run([sys.executable, "-m", "agentdesk.server.cli",
                           "--database-url", db_url, *args],
                          input=stdin, capture_output=True, text=True, env=env, timeout=60)


def _cli(db_url: str, *args: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["--database-url", db_url, *args], stdin=io.StringIO(stdin), stdout=out,
                stderr=err)
    return code, out.getvalue(), err.getvalue()


def _head() -> str | None:
    """The newest migration of this code (helpers add migrations side by side)."""
    from alembic.script import ScriptDirectory

    from agentdesk.server import db

    return ScriptDirectory.from_config(db.alembic_config(None)).get_current_head()


def test_migrate_then_user_add_with_the_password_on_stdin(empty_db_url: str) -> None:
    r = _run_cli(empty_db_url, "migrate")
    assert r.returncode == 0, r.stderr
    assert f"migrated the database from empty to {_head()}" in r.stdout
    assert "up to date" in _run_cli(empty_db_url, "migrate").stdout

    r = _run_cli(empty_db_url, "user", "add", "li.na", "--role", "agent", "--team", "north",
                 stdin="pass word\n")
    assert r.returncode == 0, r.stderr
    assert "added agent li.na (team north)" in r.stdout
    r = _run_cli(empty_db_url, "user", "add", "li.na", "--role", "agent",
                 stdin="another pw\n")
    assert r.returncode == 1 and "already exists" in r.stderr

    from agentdesk.server.config import Settings
    from agentdesk.server.db import make_engine
    from agentdesk.server.security import password_hasher
    from agentdesk.server.users import authenticate

    engine = make_engine(empty_db_url)
    try:
        hasher = password_hasher(Settings(database_url=empty_db_url))
        who = authenticate(engine, hasher, "li.na", "pass word")
        assert who is not None and (who.role, who.team) == ("agent", "north")
        assert _cli(empty_db_url, "user", "passwd", "li.na", stdin="new one 2\n")[0] == 0
        assert authenticate(engine, hasher, "li.na", "new one 2") is not None
        assert _cli(empty_db_url, "user", "disable", "li.na")[0] == 0
        assert authenticate(engine, hasher, "li.na", "new one 2") is None
        assert _cli(empty_db_url, "user", "disable", "nobody")[0] == 1
    finally:
        engine.dispose()


def test_the_url_comes_from_the_environment_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'env.sqlite3'}"
    env = dict(os.environ, AGENTDESK_DATABASE_URL=url)
    r = subprocess.run([sys.executable, "-m", "agentdesk.server.cli", "migrate"],
                       capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "env.sqlite3").exists()


def test_commands_refuse_an_unmigrated_database_and_a_newer_one(empty_db_url: str) -> None:
    code, _, err = _cli(empty_db_url, "user", "disable", "x")
    assert code == 1 and "run `agentdesk-server migrate` first" in err
    assert _cli(empty_db_url, "migrate")[0] == 0
    from sqlalchemy import text

    from agentdesk.server.db import make_engine

    engine = make_engine(empty_db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    code, _, err = _cli(empty_db_url, "migrate")
    assert code == 1 and "migrated by a newer version" in err


def test_usage_errors_exit_2(db_url: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--database-url", db_url, "user", "add", "x", "--role", "boss"])
    assert exc.value.code == 2
    code, _, err = _cli(db_url, "import", "customers", str(tmp_path / "missing.csv"))
    assert code == 2 and "cannot read" in err


CSV_HEADER = "customer_id,first_name,last_name,phone,email,segment,vip_level,notes\n"


def test_import_reports_bad_rows_by_line_and_imports_the_good(
        db_url: str, engine: Any, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        CSV_HEADER
        + "C1,Wei,Zhang,13800138000,wei@example.cn,gold,3,\n"           # line 2: ok
        + "C2,Na,Li,12345,,silver,,\n"                                 # line 3: bad phone
        + ",Jun,Wang,13900139000,,,,\n"                                # line 4: no id
        + "C3,Jun,Wang,+86 139 0013 9000,not-an-email,,,\n"            # line 5: bad email
        + "C1,Wei,Zhang,13800138000,,,,\n"                             # line 6: repeat
        + "C4,Fang,Chen,010 6552 9988,,,,\"multi\nline\"\n"            # line 7: ok, 2 lines
        + "C5,too,few\n"                                               # line 9: fields
        + "\n"
        + "C6,Min,Liu,+1 650 253 0000,,,,\n",                          # line 11: ok
        encoding="utf-8")
    code, out, err = _cli(db_url, "import", "customers", str(path))
    assert code == 1
    assert err.splitlines() == [
        "line 3: phone '12345' is not a valid number for region CN",
        "line 4: customer_id is empty",
        "line 5: email 'not-an-email' is not an address",
        "line 6: customer_id C1 repeats line 2",
        "line 9: 3 fields, the header has 8",
    ]
    assert "imported 3 customers, rejected 5 rows" in out
    c1 = reference.get_customer(engine, "C1")
    assert c1 is not None and c1.phone == "+8613800138000" and c1.segment == "gold"
    assert c1.extra == {"vip_level": "3"}
    c4 = reference.get_customer(engine, "C4")
    assert c4 is not None and c4.phone == "+861065529988" and c4.extra == {"notes": "multi\nline"}
    assert reference.get_customer(engine, "C6").phone == "+16502530000"  # type: ignore[union-attr]
    assert reference.get_customer(engine, "C2") is None


def test_import_gb18030_and_bom_files(db_url: str, engine: Any, tmp_path: Path) -> None:
    gb = tmp_path / "excel-zh.csv"
    gb.write_bytes((CSV_HEADER + "G1,伟,张,13800138000,,金卡,,老客户\r\n").encode("gb18030"))
    code, _, err = _cli(db_url, "import", "customers", str(gb))
    assert code == 2 and "--encoding gb18030" in err  # not UTF-8: a clear hint
    code, out, _ = _cli(db_url, "import", "customers", str(gb), "--encoding", "gb18030")
    assert code == 0 and "imported 1 customers, rejected 0 rows" in out
    g1 = reference.get_customer(engine, "G1")
    assert g1 is not None and (g1.first_name, g1.last_name, g1.segment) == ("伟", "张", "金卡")
    assert g1.extra == {"notes": "老客户"}

    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + (CSV_HEADER + "B1,娜,李,13900139000,,,,\n").encode())
    code, _, _ = _cli(db_url, "import", "customers", str(bom))
    assert code == 0
    assert reference.get_customer(engine, "B1").first_name == "娜"  # type: ignore[union-attr]


def test_import_needs_the_required_header(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,name,phone\n1,x,13800138000\n")
    code, _, err = _cli(db_url, "import", "customers", str(path))
    assert code == 2 and "the header lacks customer_id, first_name, last_name" in err


def test_import_commits_batch_by_batch(db_url: str, engine: Any, tmp_path: Path) -> None:
    from agentdesk.server.customer_import import import_customers

    path = tmp_path / "many.csv"
    rows = "".join(f"M{n},F,L,+86138001{n:05d},,,,\n" for n in range(25))
    path.write_text(CSV_HEADER + rows)
    report = import_customers(engine, path, batch_size=10)
    assert report.imported == 25 and report.rejected == []
    pulled = reference.pull(engine, 0, 1000)
    assert len({c.usn for c in pulled.changes}) == 3  # one USN per committed batch


def _push_wrapups(app: Any, make_user: Any) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    a = make_user("agent-a")
    recs = [record(code="SOLVED", notes="客户满意", tags=["billing"]),
            record(code="CALLBACK"), record(kind="note", text="not a wrap-up")]
    for rec in recs:  # as the desktop sends them: the payload carries its own id
        rec["payload"]["id"] = rec["id"]
    with TestClient(app) as c:
        assert c.post("/api/v1/sync/push", json={"batch_id": "w", "records": recs},
                      headers=a).status_code == 200
    return recs


def test_export_wrapups_csv_and_jsonl(db_url: str, app: Any, make_user: Any) -> None:
    recs = _push_wrapups(app, make_user)
    code, out, _ = _cli(db_url, "export", "wrapups", "--since", "2020-01-01", "--format", "csv")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert len(header) == len(set(header))  # the payload's id is not a second "id"
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in recs[:2])
    solved = next(r for r in rows if r["code"] == "SOLVED")
    assert solved["owner"] == "agent-a" and solved["notes"] == "客户满意"
    assert json.loads(solved["tags"]) == ["billing"]

    code, out, _ = _cli(db_url, "export", "wrapups", "--since", "2020-01-01",
                        "--format", "jsonl")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(lines) == 2 and {x["kind"] for x in lines} == {"wrapup"}

    code, out, _ = _cli(db_url, "export", "wrapups", "--since", "2999-01-01")
    assert code == 0 and out.splitlines() == ["id,owner,client_created_at,received_at,batch_id"]
