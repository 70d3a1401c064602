"""Issue #12, findings 3, 6 and 11: hostile input is refused at the boundary with a 4xx
naming the field, and nothing stored (not even a row an older server accepted) makes
a read fail. On SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import io
import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, insert, text, update

from agentdesk.server.models import Customer, ReferenceItem, SyncedRecord, utcnow
from agentdesk.server.records import OWN_TIME_FIELD
from agentdesk.sync.wire import RECORD_KINDS

API = "/api/v1"
PUSH = f"{API}/sync/push"
PULL = f"{API}/sync/pull"
AT = "2026-11-20T09:30:00+08:00"
CUSTOMER = "C-HOST"


def deep(levels: int, leaf: Any = "x") -> Any:
    value = leaf
    for _ in range(levels):
        value = {"a": value}
    return value


def base_payload(kind: str, record_id: str) -> dict[str, Any]:
    """A valid payload of the kind, about CUSTOMER."""
    payload: dict[str, Any] = {"id": record_id, "customer_id": CUSTOMER,
                               OWN_TIME_FIELD.get(kind, "created_at"): AT}
    if kind == "customer_change":
        payload.update(fields={"first_name": "Mei"}, created=False, call_record_id=None)
    if kind == "callback":
        payload.update(due_at=AT, owner="me", note="call back")
    if kind == "note":
        payload["text"] = "a note"
    if kind == "wrapup":
        payload["codes"] = ["SOLVED"]
    return payload


def push_raw(client: Any, headers: dict[str, str], records: list[dict[str, Any]],
             batch_id: str | None = None) -> Any:
    """POST the batch as JSON that may hold NaN and lone surrogates (escaped)."""
    body = json.dumps({"batch_id": batch_id or f"b-{uuid.uuid4()}", "records": records},
                      allow_nan=True, ensure_ascii=True)
    return client.post(PUSH, content=body.encode(),
                       headers={**headers, "content-type": "application/json"})


def export_wrapups(db_url: str) -> tuple[int, str, str]:
    from agentdesk.server.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(["--database-url", db_url, "export", "wrapups", "--since", "2000-01-01"],
                stdin=io.StringIO(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def read_everything(client: Any, db_url: str, who: dict[str, dict[str, str]],
                    record_ids: list[str]) -> None:
    """Every read path answers 200 (and the export exits 0)."""
    for name, headers in who.items():
        for path in (f"{API}/records", f"{API}/records?kind=wrapup",
                     f"{API}/customers/{CUSTOMER}/timeline",
                     f"{API}/customers/search?customer_id={CUSTOMER}&name=m", PULL):
            r = client.get(path, headers=headers)
            assert r.status_code in (200, 404), (name, path, r.status_code, r.text[:300])
            assert r.status_code == 200 or path.endswith("/timeline"), (name, path)
        for rid in record_ids:
            r = client.get(f"{API}/records/{rid}", headers=headers)
            assert r.status_code in (200, 404), (name, rid, r.text[:300])
    admin = who["admin"]
    for path in (f"{API}/access", f"{API}/customers/{CUSTOMER}/access",
                 f"{API}/customers/{CUSTOMER}"):
        r = client.get(path, headers=admin)
        assert r.status_code in (200, 404), (path, r.status_code, r.text[:300])
    code, _, err = export_wrapups(db_url)
    assert code == 0, err


@pytest.fixture
def people(client: Any, make_user: Any) -> dict[str, dict[str, str]]:
    users = {"admin": make_user("root", role="admin"), "agent": make_user("a", team="n")}
    r = client.put(f"{API}/customers/{CUSTOMER}", headers=users["admin"], json={
        "first_name": "Mei", "last_name": "Lin", "phone": "+8613800138000"})
    assert r.status_code == 200, r.text
    return users


# --- every value of the issue, replayed ----------------------------------------------

HOSTILE: dict[str, Callable[[dict[str, Any]], None]] = {
    "extra 300 levels deep": lambda p: p.update(extra=deep(300)),
    "a note 300 levels deep": lambda p: p.update(text=deep(300)),
    "lone high surrogate": lambda p: p.update(text="x\ud800y"),
    "lone low surrogate": lambda p: p.update(summary="\udfff"),
    "NUL in text": lambda p: p.update(text="a\u0000b"),
    "NUL in a name": lambda p: p.update(fields={"first_name": "Mei\u0000"}),
    "NUL in a key": lambda p: p.update({"k\u0000": 1}),
    "surrogate in a key": lambda p: p.update({"k\udc00": 1}),
    "NaN": lambda p: p.update(score=float("nan")),
    "Infinity": lambda p: p.update(score=float("inf")),
    "-Infinity": lambda p: p.update(nested={"v": [1, float("-inf")]}),
    "time 9999-12-31T23:59:59-14:00": lambda p: p.update(ended_at="9999-12-31T23:59:59-14:00"),
    "time 0001-01-01T00:00:00+14:00": lambda p: p.update(due_at="0001-01-01T00:00:00+14:00"),
    "500 KB extra": lambda p: p.update(extra={"blob": "y" * 500_000}),
    "70 KB of small strings": lambda p: p.update(extra=[f"{n:06d}" for n in range(8_000)]),
    "a 2**64 integer": lambda p: p.update(count=2**64),
}
EXPECTED_FIELD = {"NUL in a key": "payload", "surrogate in a key": "payload",
                  "500 KB extra": "payload.extra", "70 KB of small strings": "payload"}


@pytest.mark.parametrize("kind", RECORD_KINDS)
def test_every_hostile_value_of_the_issue_is_a_422_naming_the_field_and_reads_still_work(
        client: Any, people: dict[str, dict[str, str]], db_url: str, kind: str) -> None:
    good = str(uuid.uuid4())
    r = push_raw(client, people["agent"], [{"id": good, "kind": kind,
                                            "payload": base_payload(kind, good),
                                            "client_created_at": AT}])
    # (a customer_change may be refused on its own by the authorization rules: fine)
    assert r.status_code == 200 and r.json()["accepted"] + len(r.json()["rejected"]) == 1
    accepted = r.json()["accepted"] == 1
    for name, spoil in HOSTILE.items():
        rid = str(uuid.uuid4())
        payload = base_payload(kind, rid)
        spoil(payload)
        r = push_raw(client, people["agent"], [{"id": rid, "kind": kind, "payload": payload,
                                                "client_created_at": AT}])
        assert r.status_code == 422, (name, r.status_code, r.text[:300])
        detail = r.json()["detail"]
        assert "body.records.0.payload" in detail, (name, detail)
        assert EXPECTED_FIELD.get(name, "payload.") in detail, (name, detail)
    for when in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"):
        rid = str(uuid.uuid4())
        r = push_raw(client, people["agent"], [{"id": rid, "kind": kind,
                                                "payload": base_payload(kind, rid),
                                                "client_created_at": when}])
        assert r.status_code == 422 and "client_created_at" in r.json()["detail"], r.text
    read_everything(client, db_url, people, [good])
    got = client.get(f"{API}/records/{good}", headers=people["agent"])
    assert got.status_code == (200 if accepted else 404)


def test_a_customer_and_a_document_are_checked_like_a_payload(
        client: Any, people: dict[str, dict[str, str]], db_url: str) -> None:
    admin = people["admin"]
    customer = {"first_name": "Mei", "last_name": "Lin", "phone": "+8613800138000"}
    for bad, field in (({"extra": deep(300)}, "extra"), ({"first_name": "M\u0000"}, "first_name"),
                       ({"last_name": "\ud800"}, "last_name"),
                       ({"extra": {"n": float("nan")}}, "extra.n"),
                       ({"extra": {"blob": "y" * 500_000}}, "extra.blob")):
        body = json.dumps({**customer, **bad}, allow_nan=True)
        r = client.put(f"{API}/customers/C-2", content=body.encode(),
                       headers={**admin, "content-type": "application/json"})
        assert r.status_code == 422 and field in r.json()["detail"], (bad, r.text[:300])
    for document in ({"code": "x", "deep": deep(300)}, {"code": "x\u0000"},
                     {"code": "x", "v": float("nan")}):
        r = client.put(f"{API}/reference/not_ready_reason/x",
                       content=json.dumps(document, allow_nan=True).encode(),
                       headers={**admin, "content-type": "application/json"})
        assert r.status_code == 422, r.text[:300]
    read_everything(client, db_url, people, [])


# finding 6: the same values in query strings, path parameters and page tokens
def _token(when: str) -> str:
    raw = f"{when}|{uuid.uuid4()}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


BAD_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("path", [
    *[f"/records?since={t.replace('+', '%2B')}" for t in BAD_TIMES],
    *[f"/access?since={t.replace('+', '%2B')}" for t in BAD_TIMES],
    *[f"/records?page={_token(t)}" for t in BAD_TIMES],
    *[f"/customers/{CUSTOMER}/timeline?page={_token(t)}" for t in BAD_TIMES],
    *[f"/customers/{CUSTOMER}/access?page={_token(t)}" for t in BAD_TIMES],
    "/customers/search?name=%00", "/customers/search?customer_id=%00",
    "/customers/search?account=%00", "/customers/search?phone=%00",
    "/customers/%00", "/customers/%00/timeline", "/customers/%00/access",
    "/customers?phone=%00", "/reference/campaign/%00", "/scripts/%00/versions",
    "/records?page=%00",
])
def test_hostile_query_values_are_a_4xx(client: Any, people: dict[str, dict[str, str]],
                                        path: str) -> None:
    r = client.get(API + path, headers=people["admin"])
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])


def test_a_hostile_login_name_is_a_4xx(client: Any, people: dict[str, dict[str, str]]) -> None:
    for username in ("a\u0000", "\ud800"):
        body = json.dumps({"username": username, "password": "whatever it is"})
        r = client.post(f"{API}/auth/login", content=body.encode(),
                        headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text


# --- property: whatever a desk sends is refused, or readable everywhere --------------

_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=20),
    st.sampled_from(["\u0000", "\ud800", "\udfff", "a\udbffb", "\u202e", "y" * 25_000]),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                     "2026-11-20T09:30:00+08:00", "1969-12-31T23:59:59Z",
                     "2199-12-31T00:00:00+00:00"]))
_keys = st.one_of(st.sampled_from(["text", "note", "extra", "due_at", "started_at",
                                   "ended_at", "fields", "codes", "k\u0000", "k\ud800",
                                   "x" * 200]),
                  st.text(max_size=8))
_json = st.recursive(_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)), max_leaves=12)


@st.composite
def hostile_record(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(RECORD_KINDS))
    rid = str(uuid.uuid4())
    payload = base_payload(kind, rid)
    payload.update(draw(st.dictionaries(_keys, _json, max_size=3)))
    levels = draw(st.sampled_from([0, 0, 5, 15, 16, 40, 300]))
    if levels:
        payload[draw(_keys)] = deep(levels, draw(_leaf))
    when = draw(st.sampled_from([AT, AT, "9999-12-31T23:59:59-14:00",
                                 "0001-01-01T00:00:00+14:00", "1970-01-01T00:00:00Z"]))
    return {"id": rid, "kind": kind, "payload": payload, "client_created_at": when}


def _property(client: Any, db_url: str, people: dict[str, dict[str, str]],
              examples: int) -> None:
    outcomes: set[int] = set()
    accepted: list[str] = []

    @given(record=hostile_record())
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(record: dict[str, Any]) -> None:
        r = push_raw(client, people["agent"], [record])
        assert r.status_code in (200, 409, 422), (r.status_code, r.text[:300])
        outcomes.add(r.status_code)
        if r.status_code == 200 and r.json()["accepted_ids"]:
            accepted.append(record["id"])
            got = client.get(f"{API}/records/{record['id']}", headers=people["agent"])
            assert got.status_code == 200, got.text[:300]
        for path in (f"{API}/records", f"{API}/customers/{CUSTOMER}/timeline", PULL):
            got = client.get(path, headers=people["agent"])
            assert got.status_code == 200, (path, got.text[:300])

    check()
    read_everything(client, db_url, people, accepted)
    for rid in accepted:  # nothing accepted was skipped as unreadable later
        assert client.get(f"{API}/records/{rid}", headers=people["admin"]).status_code == 200
    assert {200, 422} <= outcomes  # both refused and accepted records were tried


def test_hostile_records_are_refused_or_readable_everywhere(
        client: Any, people: dict[str, dict[str, str]], db_url: str, backend: str) -> None:
    _property(client, db_url, people, examples=25 if backend == "sqlite" else 12)


# --- rows an older server stored ------------------------------------------------------

def _plant(engine: Engine, owner: int, kind: str, payload: dict[str, Any],
           customer_id: str | None = CUSTOMER) -> str:
    rid = uuid.uuid4()
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(SyncedRecord.__table__).values(
            id=rid, kind=kind, owner_id=owner, payload={"id": str(rid), **payload},
            client_created_at=now, received_at=now, batch_key=None,
            customer_id=customer_id, call_record_id=None, occurred_at=now, subject_id=None))
    return str(rid)


def test_rows_stored_by_an_older_server_are_skipped_and_logged_never_a_500(
        client: Any, people: dict[str, dict[str, str]], engine: Engine, db_url: str,
        backend: str, caplog: pytest.LogCaptureFixture) -> None:
    with engine.begin() as conn:
        agent_id = conn.execute(text("SELECT id FROM users WHERE username = 'a'")).scalar_one()
    good = _plant(engine, agent_id, "wrapup", {"codes": ["SOLVED"], "saved_at": AT})
    bad = [_plant(engine, agent_id, kind, payload) for kind, payload in (
        ("wrapup", {"codes": ["SOLVED"], "extra": deep(300)}),
        ("note", {"text": deep(300)}),
        ("callback", {"due_at": "9999-12-31T23:59:59-14:00", "note": deep(300)}),
    )]
    if backend == "sqlite":  # what PostgreSQL refused to store but SQLite kept
        bad += [_plant(engine, agent_id, kind, payload) for kind, payload in (
            ("wrapup", {"codes": ["x\ud800"]}),
            ("note", {"text": "\udfff"}),
            ("wrapup", {"codes": ["SOLVED"], "score": float("nan")}),
            ("call_record", {"remote_number": "+8613800138000", "k\ud800": 1}),
        )]
    else:  # what SQLite refused to store but PostgreSQL kept: times Python cannot hold
        for when in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "infinity"):
            rid = _plant(engine, agent_id, "wrapup", {"codes": ["SOLVED"]})
            with engine.begin() as conn:
                conn.execute(text("UPDATE synced_records SET client_created_at = "
                                  "CAST(:t AS timestamptz), occurred_at = CAST(:t AS "
                                  "timestamptz) WHERE id = CAST(:id AS uuid)"),
                             {"t": when, "id": rid})
            bad.append(rid)
    with engine.begin() as conn:
        conn.execute(update(Customer.__table__).where(Customer.customer_id == CUSTOMER)
                     .values(extra={"complaints": deep(300)}))
        conn.execute(insert(Customer.__table__).values(
            customer_id="C-DEEP", first_name="Deep", last_name="Extra", phone="+8613800138001",
            extra={"x": deep(300)}, usn=1, updated_at=utcnow(), first_name_key="deep",
            last_name_key="extra"))
        conn.execute(insert(ReferenceItem.__table__).values(
            kind="not_ready_reason", key="deep", document=deep(300), usn=1,
            updated_at=utcnow()))
        assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 2
    caplog.set_level(logging.WARNING, logger="agentdesk.server.readable")

    read_everything(client, db_url, people, [good, *bad])
    for headers in people.values():
        assert client.get(f"{API}/records/{good}", headers=headers).status_code == 200
        ids = {r["id"] for r in client.get(f"{API}/records", headers=headers).json()["records"]}
        assert good in ids and not ids & set(bad)
        for rid in bad:
            assert client.get(f"{API}/records/{rid}", headers=headers).status_code == 404
    timeline = client.get(f"{API}/customers/{CUSTOMER}/timeline", headers=people["agent"])
    assert timeline.status_code == 200 and timeline.json()["open_complaints"] == []
    assert not {str(e["record_id"]) for e in timeline.json()["entries"]} & set(bad)
    keys = {c["key"] for c in client.get(PULL, headers=people["admin"]).json()["changes"]}
    assert CUSTOMER not in keys and "C-DEEP" not in keys and "deep" not in keys
    search = client.get(f"{API}/customers/search?name=deep", headers=people["admin"]).json()
    assert search["matches"] == []
    assert client.get(f"{API}/customers/C-DEEP", headers=people["admin"]).status_code == 404
    code, out, _ = export_wrapups(db_url)
    assert code == 0 and good in out and not any(rid in out for rid in bad)
    skipped = [r for r in caplog.records if "skipped an unreadable" in r.getMessage()]
    assert skipped and all("+86" not in r.getMessage() for r in caplog.records)


def test_the_page_after_skipped_rows_is_still_reached(
        client: Any, people: dict[str, dict[str, str]], engine: Engine) -> None:
    with engine.begin() as conn:
        agent_id = conn.execute(text("SELECT id FROM users WHERE username = 'a'")).scalar_one()
    planted = [_plant(engine, agent_id, "note", {"text": deep(300) if n % 2 else "ok"})
               for n in range(6)]
    seen: list[str] = []
    page: str | None = None
    for _ in range(10):
        params: dict[str, Any] = {"limit": 2, **({"page": page} if page else {})}
        r = client.get(f"{API}/records", params=params, headers=people["agent"])
        assert r.status_code == 200, r.text
        seen += [rec["id"] for rec in r.json()["records"]]
        page = r.json()["next_page"]
        if page is None:
            break
    assert sorted(seen) == sorted(planted[0::2])


# --- finding 11 ---------------------------------------------------------------------

def test_a_batch_id_replayed_with_a_changed_payload_is_a_409_naming_the_batch(
        client: Any, people: dict[str, dict[str, str]]) -> None:
    rid = str(uuid.uuid4())
    first = {"id": rid, "kind": "wrapup", "payload": base_payload("wrapup", rid),
             "client_created_at": AT}
    assert push_raw(client, people["agent"], [first], "batch-1").status_code == 200
    again = push_raw(client, people["agent"], [first], "batch-1")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    changed = {**first, "payload": {**first["payload"], "codes": ["SALE"]}}
    r = push_raw(client, people["agent"], [changed], "batch-1")
    assert r.status_code == 409 and "batch-1" in r.json()["detail"], r.text
    moved = {**first, "client_created_at": "2026-11-20T09:31:00+08:00"}
    assert push_raw(client, people["agent"], [moved], "batch-1").status_code == 409
    stored = client.get(f"{API}/records/{rid}", headers=people["agent"]).json()
    assert stored["payload"]["codes"] == ["SOLVED"]


def test_a_cursor_above_the_head_is_told_to_resync(
        client: Any, people: dict[str, dict[str, str]], engine: Engine) -> None:
    head = client.get(PULL, headers=people["agent"]).json()["cursor"]
    assert head > 0
    plain = client.get(PULL, params={"cursor": head}, headers=people["agent"]).json()
    assert plain == {"changes": [], "tombstones": [], "cursor": head, "has_more": False}
    for _ in range(2):  # from the database, then with the head remembered
        r = client.get(PULL, params={"cursor": head + 7}, headers=people["agent"])
        assert r.status_code == 200
        assert r.json() == {"changes": [], "tombstones": [], "cursor": 0, "has_more": True,
                            "resync": True}
    again = client.get(PULL, params={"cursor": 0}, headers=people["admin"]).json()
    assert CUSTOMER in {c["key"] for c in again["changes"]}



def test_an_imported_row_with_a_nul_is_rejected_not_the_whole_import(
        engine: Engine, tmp_path: Any) -> None:
    from agentdesk.server.customer_import import import_customers

    path = tmp_path / "customers.csv"
    path.write_text("customer_id,first_name,last_name,phone,note\n"
                    "C-1,Mei,Lin,+8613800138000,ok\n"
                    "C-2,Mei\x00,Lin,+8613800138001,ok\n"
                    "C-3,Wei,Zhang,+8613800138002,a\x00b\n"
                    "C-4,Wei,Zhang,+8613800138003,fine\n", encoding="utf-8")
    report = import_customers(engine, path)
    assert report.imported == 2
    assert [line for line, _ in report.rejected] == [3, 4]
    assert all("NUL" in reason for _, reason in report.rejected)
