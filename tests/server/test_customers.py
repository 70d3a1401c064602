"""Screen pop reads: customer search, timeline, access history (issue #4)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from agentdesk.server import reference
from agentdesk.sync.wire import CustomerIn

SEARCH = "/api/v1/customers/search"
PUSH = "/api/v1/sync/push"


def _customer(engine: Engine, cid: str, first: str, last: str, phone: str,
              account: str | None = None, **extra: Any) -> None:
    reference.put_customer(engine, cid, CustomerIn(first_name=first, last_name=last,
                                                   phone=phone, account=account, extra=extra))


@pytest.fixture
def customers(engine: Engine) -> None:
    _customer(engine, "C1", "Wei", "Zhang", "+8613800138000", "ACC-1", native_name="张伟")
    _customer(engine, "C2", "Na", "Li", "+8613800138000", "ACC-2", native_name="李娜")
    _customer(engine, "C3", "Zhanna", "Ivanova", "+16502530000")
    _customer(engine, "C4", "Ｚｏｅ", "O'Brien", "+16502530001")  # full-width letters
    _customer(engine, "C5", "100%", "Under_score", "+16502530002")


def _ids(body: dict[str, Any]) -> list[str]:
    return [m["customer"]["customer_id"] for m in body["matches"]]


def _search(client: Any, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    r = client.get(SEARCH, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_search_by_each_criterion(client: Any, make_user: Any, customers: None) -> None:
    a = make_user("a")
    assert _ids(_search(client, a, customer_id="C3")) == ["C3"]
    assert _ids(_search(client, a, account="ACC-2")) == ["C2"]
    assert _ids(_search(client, a, phone="+86 138 0013 8000")) == ["C1", "C2"]
    assert _ids(_search(client, a, phone="13800138000")) == ["C1", "C2"]  # national, CN
    assert _ids(_search(client, a, name="zha")) == ["C1", "C3"]  # last Zhang, first Zhanna
    assert _ids(_search(client, a, name="ZHANG")) == ["C1"]
    assert _ids(_search(client, a, name="李")) == ["C2"]  # native name
    assert _ids(_search(client, a, name="zoe")) == ["C4"]  # NFKC: full-width letters
    assert _ids(_search(client, a, name="o'b")) == ["C4"]
    assert _ids(_search(client, a, name="customer")) == []
    assert _ids(_search(client, a, account="acc-1")) == []  # accounts are exact


def test_like_wildcards_in_a_name_are_literal(client: Any, make_user: Any,
                                              customers: None) -> None:
    a = make_user("a")
    assert _ids(_search(client, a, name="%")) == []
    assert _ids(_search(client, a, name="100%")) == ["C5"]
    assert _ids(_search(client, a, name="_")) == []
    assert _ids(_search(client, a, name="under_")) == ["C5"]


def test_criteria_are_alternatives_and_each_match_says_why(
        client: Any, make_user: Any, customers: None) -> None:
    a = make_user("a")
    body = _search(client, a, customer_id="C1", account="ACC-1", phone="+8613800138000",
                   name="li")
    assert {m["customer"]["customer_id"]: m["matched_by"] for m in body["matches"]} == {
        "C1": ["customer_id", "account", "phone"], "C2": ["phone", "name"]}
    assert body["truncated"] is False
    body = _search(client, a, phone="+8613800138000", limit=1)
    assert _ids(body) == ["C1"] and body["truncated"] is True


def test_search_refuses_nothing_to_search_and_bad_numbers(
        client: Any, make_user: Any) -> None:
    a = make_user("a")
    r = client.get(SEARCH, headers=a)
    assert r.status_code == 422 and "at least one of" in r.json()["detail"]
    r = client.get(SEARCH, params={"name": "   "}, headers=a)
    assert r.status_code == 422
    r = client.get(SEARCH, params={"phone": "12345"}, headers=a)
    assert r.status_code == 422 and "phone" in r.json()["detail"]
    assert client.get(SEARCH, params={"limit": 51, "name": "x"}, headers=a).status_code == 422
    assert client.get(SEARCH, params={"name": "x"}).status_code == 401


T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _iso(t: datetime) -> str:
    return t.isoformat()


def _rec(kind: str, **payload: Any) -> dict[str, Any]:
    payload.setdefault("id", str(uuid.uuid4()))
    return {"id": payload["id"], "kind": kind, "payload": payload,
            "client_created_at": "2026-11-20T09:30:00+08:00"}


def _call(minutes: int, customer_id: str = "C1", connected: bool = True,
          talk: int = 120) -> dict[str, Any]:
    start = T0 + timedelta(minutes=minutes)
    return _rec("call_record", call_id=f"c{minutes}", direction="inbound",
                remote_number="+8613800138000", started_at=_iso(start),
                connected_at=_iso(start + timedelta(seconds=5)) if connected else None,
                ended_at=_iso(start + timedelta(seconds=5 + talk)), sip_end_code=200,
                customer_id=customer_id)


def _wrapup(call: dict[str, Any], codes: list[str], minutes: int,
            supersedes: str | None = None, note: str = "") -> dict[str, Any]:
    return _rec("wrapup", call_record_id=call["id"], codes=codes,
                saved_at=_iso(T0 + timedelta(minutes=minutes)), note=note, amount=None,
                callback_at=None, auto_wrapped=False, supersedes_id=supersedes)


def _push(client: Any, headers: dict[str, str], records: list[dict[str, Any]]) -> None:
    r = client.post(PUSH, json={"batch_id": str(uuid.uuid4()), "records": records},
                    headers=headers)
    assert r.status_code == 200 and r.json()["accepted"] == len(records), r.text


def _history(client: Any, a: dict[str, str], b: dict[str, str]) -> dict[str, Any]:
    call1, call2, call3 = _call(0), _call(60, connected=False), _call(24 * 60)
    first = _wrapup(call1, ["SALE"], 3)
    reopened = _wrapup(call1, ["SALE", "UPSELL"], 10, supersedes=first["id"], note="fixed")
    callback = _rec("callback", customer_id="C1", due_at=_iso(T0 + timedelta(hours=30)),
                    customer_timezone="Asia/Shanghai", owner="me", note="call back",
                    created_at=_iso(T0 + timedelta(minutes=4)), call_record_id=call1["id"])
    late_callback = _rec("callback", customer_id="C1",
                         due_at=_iso(T0 + timedelta(days=400)),
                         customer_timezone="Asia/Shanghai", owner="team", note="renewal",
                         created_at=_iso(T0 + timedelta(days=2)), call_record_id=None)
    note = _rec("note", customer_id="C1", text="prefers mornings",
                created_at=_iso(T0 + timedelta(minutes=90)), call_record_id=None)
    access = _rec("access_entry", customer_id="C1", reason="pop",
                  accessed_at=_iso(T0 + timedelta(minutes=1)), call_record_id=call1["id"])
    other = _call(30, customer_id="C2")
    _push(client, a, [call1, first, callback, access, other])
    _push(client, a, [reopened])  # re-opened by the agent who took the call
    _push(client, b, [call2, note, call3, late_callback,
                      _wrapup(call3, ["INFO"], 24 * 60 + 5)])
    return {"call1": call1, "call2": call2, "call3": call3, "callback": callback,
            "late_callback": late_callback, "note": note}


def test_timeline_folds_wrapups_onto_calls_newest_first(
        client: Any, make_user: Any, engine: Engine) -> None:
    _customer(engine, "C1", "Wei", "Zhang", "+8613800138000", complaints=[
        {"id": "K1", "opened_at": "2026-10-01T08:00:00+08:00", "summary": "late delivery",
         "status": "open"},
        {"id": "K2", "opened_at": "2026-09-01T08:00:00+08:00", "summary": "old",
         "status": "resolved"}, "not a complaint"])
    a, b = make_user("a"), make_user("b")
    h = _history(client, a, b)
    reader = make_user("c")  # any agent reads any customer's file...
    r = client.get("/api/v1/customers/C1/timeline", headers=reader)
    assert r.status_code == 200, r.text
    body = r.json()
    # ...as the file shows it: the change that created the customer (the newest:
    # logged at the server's time), then the interactions, without colleagues' ids
    assert body["entries"][0]["kind"] == "customer_change"
    del body["entries"][0]
    assert [(e["kind"], e["agent"], e["record_id"]) for e in body["entries"]] == [
        ("callback", "b", None), ("call_record", "b", None), ("note", "b", None),
        ("call_record", "b", None), ("callback", "a", None), ("call_record", "a", None)]
    assert all(e["remote_number"] is None for e in body["entries"])
    # the author of a record reads its own ids (its desktop merges unsent records by id)
    mine = client.get("/api/v1/customers/C1/timeline", headers=a).json()["entries"][1:]
    assert [e["record_id"] for e in mine] == [
        None, None, None, None, h["callback"]["id"], h["call1"]["id"]]
    assert mine[-1]["remote_number"] == "+8613800138000"
    call1 = body["entries"][-1]
    assert call1["agent"] == "a" and call1["wrapup_codes"] == ["SALE", "UPSELL"]
    assert call1["wrapup_note"] == "fixed" and call1["duration_seconds"] == 120.0
    assert call1["connected"] is True and call1["direction"] == "inbound"
    missed = body["entries"][3]
    assert missed["connected"] is False and missed["duration_seconds"] is None
    assert missed["wrapup_codes"] == [] and missed["agent"] == "b"
    assert body["entries"][2]["text"] == "prefers mornings"
    # The first callback was followed by a call (call3, a day later): kept. The late
    # one is open; nothing of another customer or any access entry shows up.
    # c is in no team: it sees the team's promise without the id that would close it
    assert [c["id"] for c in body["open_callbacks"]] == [None]
    assert [c["id"] for c in client.get("/api/v1/customers/C1/timeline", headers=b).json()[
        "open_callbacks"]] == [h["late_callback"]["id"]]
    assert body["open_callbacks"][0]["owner"] == "team"
    assert body["open_callbacks"][0]["agent"] == "b"
    assert body["open_callbacks"][0]["overdue"] is False
    assert [c["id"] for c in body["open_complaints"]] == ["K1"]
    assert body["last_contact_at"] == h["call3"]["payload"]["started_at"].replace(
        "+00:00", "Z")
    assert "records" not in body  # no raw payloads
    assert body["next_page"] is None


def test_timeline_pages_without_gaps_or_repeats(client: Any, make_user: Any,
                                                engine: Engine) -> None:
    _customer(engine, "C1", "Wei", "Zhang", "+8613800138000")
    a = make_user("a")
    calls = [_call(m) for m in (5, 1, 4, 2, 3, 3, 3)]  # ties on the same time too
    _push(client, a, calls)
    seen: list[str] = []
    page: str | None = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"page": page} if page else {})
        body = client.get("/api/v1/customers/C1/timeline", params=params, headers=a).json()
        seen += [e["record_id"] for e in body["entries"] if e["kind"] == "call_record"]
        pages += 1
        page = body["next_page"]
        if page is None:
            break
    # 7 calls and the change that created the customer, 2 a page
    assert pages == 4 and len(seen) == len(set(seen)) == 7
    starts = [next(c for c in calls if c["id"] == s)["payload"]["started_at"] for s in seen]
    assert starts == sorted(starts, reverse=True)
    bad = client.get("/api/v1/customers/C1/timeline", params={"page": "nope"}, headers=a)
    assert bad.status_code == 422
    assert client.get("/api/v1/customers/NOPE/timeline", headers=a).status_code == 404
    assert client.get("/api/v1/customers/C1/timeline").status_code == 401


def test_search_results_carry_last_contact_and_open_callbacks(
        client: Any, make_user: Any, engine: Engine) -> None:
    _customer(engine, "C1", "Wei", "Zhang", "+8613800138000")
    _customer(engine, "C2", "Na", "Li", "+8613800138000")
    a, b = make_user("a"), make_user("b")
    h = _history(client, a, b)
    body = _search(client, a, phone="+8613800138000")
    by_id = {m["customer"]["customer_id"]: m for m in body["matches"]}
    # b's callback for its team: a is in no team, so no id to close it with
    assert [c["agent"] for c in by_id["C1"]["open_callbacks"]] == ["b"]
    assert [c["id"] for c in by_id["C1"]["open_callbacks"]] == [None]
    body = _search(client, b, phone="+8613800138000")
    assert [c["id"] for c in body["matches"][0]["open_callbacks"]] == [
        h["late_callback"]["id"]]
    assert by_id["C2"]["open_callbacks"] == []
    assert by_id["C2"]["last_contact_at"].startswith("2026-11-02T09:30")


def test_a_record_from_a_fast_clock_is_not_in_the_future(
        client: Any, make_user: Any, engine: Engine) -> None:
    _customer(engine, "C1", "Wei", "Zhang", "+8613800138000")
    a = make_user("a")
    future = _rec("note", customer_id="C1", text="from 2099",
                  created_at="2099-01-01T00:00:00+00:00", call_record_id=None)
    _push(client, a, [future, _call(0)])
    body = client.get("/api/v1/customers/C1/timeline", headers=a).json()
    entries = [e for e in body["entries"] if e["kind"] != "customer_change"]
    assert entries[0]["record_id"] == future["id"]
    assert entries[0]["at"] < "2099"  # bounded by the server's receipt time


def test_access_history_is_for_supervisors_of_the_team(
        client: Any, make_user: Any, engine: Engine) -> None:
    a, b = make_user("a", team="north"), make_user("b", team="south")
    sup = make_user("sup", role="supervisor", team="north")
    admin = make_user("root", role="admin")
    for who, customer in ((a, "C1"), (a, "C2"), (b, "C1")):
        _push(client, who, [_rec("access_entry", customer_id=customer, reason="search",
                                 accessed_at=_iso(T0), call_record_id=None)])
    assert client.get("/api/v1/customers/C1/access", headers=a).status_code == 403
    assert client.get("/api/v1/access", headers=a).status_code == 403

    def owners(path: str, headers: dict[str, str], **params: Any) -> list[str]:
        r = client.get(path, params=params, headers=headers)
        assert r.status_code == 200, r.text
        return sorted(x["owner"] for x in r.json()["records"])

    assert owners("/api/v1/customers/C1/access", sup) == ["a"]
    assert owners("/api/v1/customers/C1/access", admin) == ["a", "b"]
    assert owners("/api/v1/access", admin) == ["a", "a", "b"]
    assert owners("/api/v1/access", admin, since="2030-01-01T00:00:00Z") == []
    first = client.get("/api/v1/access", params={"limit": 2}, headers=admin).json()
    rest = client.get("/api/v1/access", params={"limit": 2, "page": first["next_page"]},
                      headers=admin).json()
    assert len(first["records"]) == 2 and len(rest["records"]) == 1
    assert rest["next_page"] is None
