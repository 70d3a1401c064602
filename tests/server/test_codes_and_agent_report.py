"""`import codes` and `report agents` (issue #6): figures from a known fixture equal
hand-computed values."""

from __future__ import annotations

import csv
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from agentdesk.server import reference
from agentdesk.server.history_import import import_history
from agentdesk.server.users import add_user
from tests.server.test_cli import _cli

CODES = Path(__file__).with_name("fixture_codes.yaml")
DEMO_CODES = Path(__file__).resolve().parents[2] / "src/agentdesk/resources/demo/codes.yaml"


def test_import_codes_publishes_sets_and_reasons(db_url: str, engine: Engine) -> None:
    code, out, err = _cli(db_url, "import", "codes", str(CODES))
    assert code == 0, err
    assert "published 1 code sets and 1 not-ready reasons" in out
    found = reference.get_document(engine, "wrapup_code_set", "sales")
    assert found is not None
    codes = found[1]["categories"][0]["codes"]
    assert [c["code"] for c in codes] == ["SALE", "RESOLVED", "NO_CONTACT"]
    assert codes[0]["flags"] == ["contact_made", "sale"]
    lunch = reference.get_document(engine, "not_ready_reason", "lunch")
    assert lunch is not None and lunch[1]["labels"] == {"zh_CN": "午餐"}
    if DEMO_CODES.exists():
        assert _cli(db_url, "import", "codes", str(DEMO_CODES))[0] == 0


def test_import_codes_reports_every_problem_and_publishes_nothing(
        db_url: str, engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CODES.read_text().replace("[contact_made, sale]", "[contact_made, bogus]")
                   .replace("code: RESOLVED", "code: SALE"), encoding="utf-8")
    code, out, err = _cli(db_url, "import", "codes", str(bad))
    assert code == 1 and "nothing published" in out
    lines = err.splitlines()
    assert any(line.startswith(f"{bad}:11:") and "unknown flag 'bogus'" in line
               for line in lines), lines
    assert any(line.startswith(f"{bad}:") and "SALE" in line for line in lines[1:]), lines
    assert reference.get_document(engine, "wrapup_code_set", "sales") is None
    code, _, err = _cli(db_url, "import", "codes", str(tmp_path / "missing.yaml"))
    assert code == 2 and "cannot read" in err
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    code, _, err = _cli(db_url, "import", "codes", str(binary))
    assert code == 2 and "not UTF-8" in err


def _rec(kind: str, **payload: Any) -> dict[str, Any]:
    return {"kind": kind, "id": str(uuid.uuid4()), **payload}


def _call(start: str, connected: str | None, ended: str, hold: float = 0.0) -> dict[str, Any]:
    return _rec("call_record", call_id="x", direction="inbound",
                remote_number="+8613800138000", started_at=start, connected_at=connected,
                ended_at=ended, hold_seconds=hold, customer_id="C1")


def _wrapup(call: dict[str, Any], codes: list[str], saved: str, **extra: Any) -> dict[str, Any]:
    return _rec("wrapup", call_record_id=call["id"], codes=codes, saved_at=saved,
                auto_wrapped=extra.get("auto", False), supersedes_id=extra.get("supersedes"),
                note="", amount=None)


def _state(state: str, start: str, end: str, reason: str | None = None) -> dict[str, Any]:
    return _rec("agent_state", state=state, started_at=start, ended_at=end,
                reason_code=reason)


@pytest.fixture
def day_of_work(db_url: str, engine: Engine, app: Any) -> None:
    assert _cli(db_url, "import", "codes", str(CODES))[0] == 0
    for name in ("a", "b"):
        add_user(engine, app.state.server.hasher, name, "pw", "agent")
    d = "2026-11-02T"
    call1 = _call(d + "09:00:00Z", d + "09:00:10Z", d + "09:05:10Z", hold=60)  # talk 240
    call2 = _call(d + "10:00:00Z", d + "10:00:05Z", d + "10:02:05Z")  # talk 120
    call3 = _call(d + "11:00:00Z", None, d + "11:00:30Z")  # missed: not handled
    call4 = _call(d + "12:00:00Z", d + "12:00:00Z", d + "12:03:00Z")  # talk 180
    wrong = _wrapup(call2, ["NO_CONTACT"], d + "10:02:30Z")
    a_items = [
        call1, call2, call3, call4,
        _wrapup(call1, ["SALE"], d + "09:06:00Z"),
        wrong, _wrapup(call2, ["RESOLVED"], d + "10:20:00Z", supersedes=wrong["id"]),
        _wrapup(call4, ["NO_CONTACT"], d + "12:04:00Z", auto=True),
        _state("ready", d + "08:00:00Z", d + "09:00:00Z"),
        _state("after_call_work", d + "09:05:10Z", d + "09:06:10Z"),
        _state("after_call_work", d + "10:02:05Z", d + "10:02:35Z"),
        _state("not_ready", d + "13:00:00Z", d + "13:30:00Z", "lunch"),
    ]
    b_call = _call("2026-11-03T09:00:00Z", "2026-11-03T09:00:00Z", "2026-11-03T09:01:40Z")
    b_items = [b_call, _wrapup(b_call, ["SALE"], "2026-11-03T09:02:00Z")]
    assert import_history(engine, "a", a_items).rejected == []
    assert import_history(engine, "b", b_items).rejected == []


def _rows(db_url: str, *args: str) -> list[dict[str, str]]:
    code, out, err = _cli(db_url, "report", "agents", *args, "--format", "csv")
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def test_report_agents_per_day_equals_hand_computed_figures(
        db_url: str, day_of_work: None) -> None:
    rows = _rows(db_url, "--from", "2026-11-02", "--to", "2026-11-04", "--by", "day")
    assert [(r["agent"], r["period_start"]) for r in rows] == [
        ("a", "2026-11-02T00:00:00+00:00"), ("a", "2026-11-03T00:00:00+00:00"),
        ("b", "2026-11-02T00:00:00+00:00"), ("b", "2026-11-03T00:00:00+00:00")]
    a = rows[0]
    assert (a["calls"], a["handled"]) == ("4", "3")
    # talk (240 + 120 + 180) / 3; hold 60 / 3; ACW (60 + 30) / 3; AHT 690 / 3
    assert (a["avg_talk_s"], a["avg_hold_s"], a["avg_acw_s"], a["avg_handle_s"]) == (
        "180.0", "20.0", "30.0", "230.0")
    # contacted: call1 (SALE) and call2 (RESOLVED, re-opened from NO_CONTACT);
    # call4 was auto-wrapped: reported apart, never an outcome
    assert (a["contacted"], a["fcr_pct"], a["conversion_pct"]) == ("2", "50.0", "50.0")
    assert (a["auto_wrapped"], a["unwrapped"]) == ("1", "0")
    assert (a["ready_s"], a["after_call_work_s"], a["not_ready_s"], a["talking_s"]) == (
        "3600.0", "90.0", "1800.0", "0.0")
    assert a["occupancy_pct"] == f"{100 * 90 / 3690:.1f}"
    assert rows[1]["calls"] == "0" and rows[1]["avg_talk_s"] == ""
    b = rows[3]
    assert (b["calls"], b["handled"], b["avg_talk_s"], b["conversion_pct"]) == (
        "1", "1", "100.0", "100.0")


def test_report_agents_by_hour_in_a_time_zone_and_as_a_table(
        db_url: str, day_of_work: None) -> None:
    rows = _rows(db_url, "--from", "2026-11-02T17:00", "--to", "2026-11-02T19:00",
                 "--by", "hour", "--tz", "Asia/Shanghai")  # 09:00-11:00 UTC
    a = [r for r in rows if r["agent"] == "a"]
    assert [(r["period_start"], r["calls"]) for r in a] == [
        ("2026-11-02T17:00:00+08:00", "1"), ("2026-11-02T18:00:00+08:00", "1")]
    week = _rows(db_url, "--from", "2026-11-01", "--to", "2026-11-15", "--by", "week")
    assert [(r["agent"], r["period_start"], r["calls"]) for r in week] == [
        ("a", "2026-11-01T00:00:00+00:00", "0"), ("a", "2026-11-02T00:00:00+00:00", "4"),
        ("a", "2026-11-09T00:00:00+00:00", "0"),
        ("b", "2026-11-01T00:00:00+00:00", "0"), ("b", "2026-11-02T00:00:00+00:00", "1"),
        ("b", "2026-11-09T00:00:00+00:00", "0")]
    code, out, _ = _cli(db_url, "report", "agents", "--from", "2026-11-02", "--to",
                        "2026-11-03")
    assert code == 0 and out.splitlines()[0].split()[:3] == ["agent", "period_start", "calls"]
    code, _, err = _cli(db_url, "report", "agents", "--from", "2026-11-03", "--to",
                        "2026-11-02")
    assert code == 2 and "after --from" in err
    code, _, err = _cli(db_url, "report", "agents", "--from", "2026-11-02", "--to",
                        "2026-11-03", "--tz", "Mars/Olympus")
    assert code == 2 and "unknown time zone" in err
