"""Publishing call scripts (issue #5): validated, versioned, and the script report."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from agentdesk.core.scripts import load_and_validate
from agentdesk.server import reference
from agentdesk.server.history_import import import_history
from agentdesk.server.users import add_user
from tests.server.test_cli import _cli

SAMPLES = Path(__file__).resolve().parents[2] / "src/agentdesk/resources/scripts"

MINI = """\
id: mini
title: Mini
version: {version}
language: en
start: greet
nodes:
  - id: greet
    kind: question
    text: {greeting}
    choices:
      - label: Yes
        next: sold
      - label: No
        next: lost
  - id: sold
    kind: end
    text: Great
    wrapup_codes: [SALE]
  - id: lost
    kind: end
    text: Bye
    wrapup_codes: [NO_SALE]
objections:
  - id: price
    title: Too expensive
    keywords: [price]
    rebuttals:
      - id: cheap
        text: It is cheap
      - id: trial
        text: Try it
        next: sold
  - id: later
    title: Call me later
    keywords: [later]
    rebuttals:
      - id: when
        text: When suits you?
"""

BROKEN = """\
id: broken
title: Broken
version: 1
language: en
start: greet
nodes:
  - id: greet
    kind: say
    text: Hello {customer.shoe_size}
    next: nowhere
  - id: orphan
    kind: end
    text: Bye
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_script_publishes_versions_and_refuses_changed_content(
        db_url: str, engine: Engine, tmp_path: Path) -> None:
    v1 = _write(tmp_path, "v1.yaml", MINI.format(version=1, greeting="Interested?"))
    code, out, _ = _cli(db_url, "import", "script", str(v1))
    assert code == 0 and "published script mini version 1" in out
    code, out, _ = _cli(db_url, "import", "script", str(v1))  # same content: a no-op
    assert code == 0 and "already published with this content" in out
    changed = _write(tmp_path, "v1b.yaml", MINI.format(version=1, greeting="Keen?"))
    code, _, err = _cli(db_url, "import", "script", str(changed))
    assert code == 1 and "version 1 was published" in err and "new version" in err
    v2 = _write(tmp_path, "v2.yaml", MINI.format(version=2, greeting="Keen?"))
    assert _cli(db_url, "import", "script", str(v2))[0] == 0
    code, _, err = _cli(db_url, "import", "script", str(v1))  # older than the newest
    assert code == 0  # identical to the stored v1: nothing to refuse
    old = _write(tmp_path, "old.yaml", MINI.format(version=1, greeting="Other"))
    code, _, err = _cli(db_url, "import", "script", str(old))
    assert code == 1
    found = reference.get_document(engine, "script", "mini")
    assert found is not None and found[1]["version"] == 2
    assert found[1]["nodes"][0]["text"] == "Keen?"


def test_import_script_refuses_an_invalid_one_with_every_problem(
        db_url: str, engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.yaml", BROKEN)
    code, out, err = _cli(db_url, "import", "script", str(path))
    assert code == 1 and "not published" in out
    lines = err.splitlines()
    assert len(lines) >= 3
    assert all(line.startswith(f"{path}:") for line in lines)
    assert any(":9:" in line and "shoe_size" in line for line in lines)
    assert any(":10:" in line and "nowhere" in line for line in lines)
    assert any("orphan" in line for line in lines)
    assert reference.get_document(engine, "script", "broken") is None
    code, _, err = _cli(db_url, "import", "script", str(tmp_path / "missing.yaml"))
    assert code == 2 and "cannot read" in err


def test_the_shipped_samples_publish(db_url: str, engine: Engine) -> None:
    for name in ("service_complaint.yaml", "telesales_broadband.yaml",
                 "order_confirmation.yaml"):
        code, _, err = _cli(db_url, "import", "script", str(SAMPLES / name))
        assert code == 0, err
    found = reference.get_document(engine, "script", "telesales-broadband")
    assert found is not None and len(found[1]["objections"]) >= 8


def _document(version: int = 1, greeting: str = "Interested?") -> dict[str, Any]:
    from agentdesk.core.scripts import validate_text

    script, problems = validate_text(MINI.format(version=version, greeting=greeting), "mini")
    assert script is not None, problems
    return script.to_document()


def test_put_script_validates_and_versions(client: Any, make_user: Any) -> None:
    agent, sup = make_user("a"), make_user("sup", role="supervisor")
    assert client.put("/api/v1/scripts/mini", json=_document(), headers=agent).status_code == 403
    r = client.put("/api/v1/scripts/mini", json=_document(), headers=sup)
    assert r.status_code == 200, r.text
    assert r.json()["created"] is True and r.json()["current"] is True
    r = client.put("/api/v1/scripts/mini", json=_document(greeting="Changed"), headers=sup)
    assert r.status_code == 409 and "new version" in r.json()["detail"]
    r = client.put("/api/v1/scripts/mini", json=_document(2, "Changed"), headers=sup)
    assert r.status_code == 200 and r.json()["version"] == 2
    versions = client.get("/api/v1/scripts/mini/versions", headers=agent).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["published_by"] == "sup"
    doc = client.get("/api/v1/scripts/mini/versions/1", headers=agent).json()
    assert doc["nodes"][0]["text"] == "Interested?"
    assert client.get("/api/v1/scripts/mini/versions/3", headers=agent).status_code == 404
    pulled = client.get("/api/v1/reference/script/mini", headers=agent).json()
    assert pulled["data"]["version"] == 2

    bad = _document()
    bad["nodes"][0]["choices"][0]["next"] = "nowhere"
    bad["id"] = "bad"
    r = client.put("/api/v1/scripts/bad", json=bad, headers=sup)
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert problems and any("nowhere" in p["message"] for p in problems)
    assert {"file", "line", "column", "message"} <= set(problems[0])
    r = client.put("/api/v1/scripts/other", json=_document(), headers=sup)
    assert r.status_code == 422 and "not the script id" in r.json()["detail"]
    r = client.put("/api/v1/reference/script/mini", json=_document(), headers=sup)
    assert r.status_code == 422 and "/api/v1/scripts/mini" in r.json()["detail"]


def _call(objections: list[tuple[str, str | None]], path: list[str],
          version: int = 1, script_id: str = "mini") -> dict[str, Any]:
    return {"kind": "call_record", "id": str(uuid.uuid4()), "call_id": "x",
            "direction": "outbound", "remote_number": "+8613800138000",
            "started_at": "2026-11-02T09:00:00+08:00",
            "connected_at": "2026-11-02T09:00:05+08:00",
            "ended_at": "2026-11-02T09:03:00+08:00", "customer_id": "C1",
            "script_id": script_id, "script_version": version, "script_path": path,
            "script_objections": [{"objection": o, "rebuttal": r, "node": "greet",
                                   "at": "2026-11-02T09:01:00+08:00"}
                                  for o, r in objections],
            "script_captured": {}}


def _wrapup(call: dict[str, Any], codes: list[str], *, auto: bool = False,
            supersedes: str | None = None, minute: int = 5) -> dict[str, Any]:
    return {"kind": "wrapup", "id": str(uuid.uuid4()), "call_record_id": call["id"],
            "codes": codes, "saved_at": f"2026-11-02T09:{minute:02d}:00+08:00",
            "auto_wrapped": auto, "supersedes_id": supersedes, "note": "", "amount": None}


@pytest.fixture
def script_calls(db_url: str, engine: Engine, app: Any, tmp_path: Path) -> None:
    add_user(engine, app.state.server.hasher, "a", "pw", "agent")
    path = _write(tmp_path, "v1.yaml", MINI.format(version=1, greeting="Interested?"))
    assert _cli(db_url, "import", "script", str(path))[0] == 0
    c1 = _call([("price", "cheap"), ("price", "trial")], ["greet", "sold"])
    c2 = _call([("price", "cheap")], ["greet", "lost"])
    c3 = _call([("price", "cheap"), ("later", None)], ["greet", "greet", "lost"])
    c4 = _call([], ["greet", "sold"])
    c5 = _call([("price", "trial")], ["greet", "sold"], version=2)  # another version
    first = _wrapup(c2, ["SALE"])
    items = [c1, c2, c3, c4, c5,
             _wrapup(c1, ["SALE"]), first,
             _wrapup(c2, ["NO_SALE"], supersedes=first["id"], minute=9),  # re-opened
             _wrapup(c3, ["NO_SALE"], auto=True),
             _wrapup(c5, ["SALE"])]
    # c4 has no wrap-up
    report = import_history(engine, "a", items)
    assert report.rejected == [] and report.accepted == len(items)


def test_report_script_counts_nodes_objections_and_outcomes_per_rebuttal(
        db_url: str, script_calls: None) -> None:
    code, out, err = _cli(db_url, "report", "script", "mini", "--version", "1",
                          "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    assert report["calls"] == 4
    nodes = {n["node"]: (n["calls"], n["visits"]) for n in report["nodes"]}
    assert nodes == {"greet": (4, 5), "sold": (2, 2), "lost": (2, 2)}
    objections = {o["objection"]: (o["calls"], o["raised"]) for o in report["objections"]}
    assert objections == {"price": (3, 4), "later": (1, 1)}
    rebuttals = {(r["objection"], r["rebuttal"]): (r["calls"], r["uses"], r["outcomes"])
                 for r in report["rebuttals"]}
    assert rebuttals == {
        ("price", "cheap"): (3, 3, {"(auto-wrapped)": 1, "NO_SALE": 1, "SALE": 1}),
        ("price", "trial"): (1, 1, {"SALE": 1}),
        ("later", "when"): (0, 0, {}),
        ("later", "(none)"): (1, 1, {"(auto-wrapped)": 1}),
    }
    assert report["outcomes"] == {"(auto-wrapped)": 1, "(no wrap-up)": 1, "NO_SALE": 1,
                                  "SALE": 1}

    code, out, _ = _cli(db_url, "report", "script", "mini", "--version", "1",
                        "--format", "csv")
    assert code == 0
    assert "after_rebuttal,price,cheap,SALE,1," in out.splitlines()
    code, out, _ = _cli(db_url, "report", "script", "mini", "--version", "1")
    assert code == 0 and out.splitlines()[0].split()[:2] == ["section", "node_or_objection"]
    code, _, err = _cli(db_url, "report", "script", "mini", "--version", "7")
    assert code == 1 and "never published" in err


def test_the_validator_is_the_cores(tmp_path: Path) -> None:
    # The server publishes only what the core validator accepts: same verdict.
    path = _write(tmp_path, "broken.yaml", BROKEN)
    script, problems = load_and_validate(path)
    assert script is None and problems
