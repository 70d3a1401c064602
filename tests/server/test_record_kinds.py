"""customer_change and callback_update records on the server (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.server.conftest import record

PUSH = "/api/v1/sync/push"
PULL = "/api/v1/sync/pull"
AT = "2026-11-20T09:30:00+08:00"


def _push(client: Any, headers: dict[str, str], *records: dict[str, Any]) -> dict[str, Any]:
    r = client.post(PUSH, json={"batch_id": f"b-{uuid.uuid4()}", "records": list(records)},
                    headers=headers)
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


def _change(customer_id: str, fields: dict[str, Any], created: bool = False) -> dict[str, Any]:
    return record("customer_change", customer_id=customer_id, fields=fields,
                  created=created, changed_at=AT, call_record_id=None)


@pytest.fixture
def people(client: Any, make_user: Any) -> dict[str, dict[str, str]]:
    users = {"admin": make_user("root", role="admin"), "a": make_user("a", team="north"),
             "b": make_user("b", team="north")}
    client.put("/api/v1/customers/C1", headers=users["admin"], json={
        "first_name": "Wei", "last_name": "Zhang", "phone": "+8613800138000",
        "extra": {"tier": "gold", "city": "Beijing"}})
    return users


def test_an_edit_updates_the_customer_and_reaches_every_desktop_that_sees_it(
        client: Any, people: dict[str, dict[str, str]]) -> None:
    # b has the customer in its store (it opened the file) and is in sync
    _push(client, people["b"], record("access_entry", customer_id="C1", reason="pop",
                                      accessed_at=AT))
    cursor = client.get(PULL, headers=people["b"]).json()["cursor"]
    # a opens the file and edits the contact data (in one batch, as its desktop would)
    opened = record("access_entry", customer_id="C1", reason="pop", accessed_at=AT)
    change = _change("C1", {"email": "wei@example.cn", "phone": "+8613900139000",
                            "extra": {"city": "Shanghai", "native_name": "张伟"}})
    result = _push(client, people["a"], opened, change)
    assert result["accepted_ids"] == [opened["id"], change["id"]] and result["rejected"] == []
    customer = client.get("/api/v1/customers/C1", headers=people["a"]).json()
    assert customer["email"] == "wei@example.cn" and customer["phone"] == "+8613900139000"
    assert customer["extra"] == {"city": "Shanghai", "tier": "gold",  # merged key by key
                                 "native_name": "张伟"}
    assert customer["first_name"] == "Wei"  # untouched
    page = client.get(PULL, params={"cursor": cursor}, headers=people["b"]).json()
    assert [(c["key"], c["data"]["email"]) for c in page["changes"]] == [
        ("C1", "wei@example.cn")]
    # the editor now has it too, and the record is stored like any other
    assert "C1" in {c["key"] for c in client.get(PULL, headers=people["a"]).json()["changes"]}
    assert client.get(f"/api/v1/records/{change['id']}", headers=people["a"]).status_code == 200
    # the new number finds the customer
    r = client.get("/api/v1/customers/search", params={"phone": "+8613900139000"},
                   headers=people["a"])
    assert [m["customer"]["customer_id"] for m in r.json()["matches"]] == ["C1"]


def test_a_new_customer_is_created_once_and_a_replay_changes_nothing(
        client: Any, people: dict[str, dict[str, str]]) -> None:
    create = _change("N-1", {"first_name": "Li", "last_name": "Lei", "phone": "+8613700137000"},
                     created=True)
    edit = _change("N-1", {"language": "zh_CN"})  # in the same batch, after the creation
    result = _push(client, people["a"], create, edit)
    assert result["accepted"] == 2 and result["rejected"] == []
    customer = client.get("/api/v1/customers/N-1", headers=people["a"]).json()
    assert (customer["first_name"], customer["language"]) == ("Li", "zh_CN")
    usn = customer["usn"]
    again = _push(client, people["a"], create, edit)
    assert again["duplicates"] == 2
    assert client.get("/api/v1/customers/N-1", headers=people["a"]).json()["usn"] == usn


@pytest.mark.parametrize("change, reason", [
    (_change("C1", {"shoe_size": "42"}), "unknown customer field(s) shoe_size"),
    (_change("C1", {"phone": "138 0013 8000"}), "fields.phone must be a valid E.164"),
    (_change("C1", {"phone": "+86123"}), "fields.phone must be a valid E.164"),
    (_change("C1", {"email": 42}), "fields.email must be a string"),
    (_change("C1", {"last_name": None}), "fields.last_name cannot be removed"),
    (_change("C1", {"extra": ["x"]}), "fields.extra must be an object"),
    (_change("C1", {}), "fields must be an object naming at least one field"),
    (_change("GONE", {"email": "x@example.cn"}), "customer 'GONE' does not exist"),
    (_change("N-2", {"phone": "+8613700137000"}, created=True), "needs a first or last name"),
    (_change("N-2", {"first_name": "Li"}, created=True), "needs a phone number"),
])
def test_a_bad_change_is_rejected_with_its_reason_and_not_stored(
        client: Any, people: dict[str, dict[str, str]], change: dict[str, Any],
        reason: str) -> None:
    good = record("note", customer_id="C1", text="hello", created_at=AT)
    result = _push(client, people["a"], change, good)
    assert result["accepted_ids"] == [good["id"]]
    assert [r["id"] for r in result["rejected"]] == [change["id"]]
    assert reason in result["rejected"][0]["reason"]
    assert client.get(f"/api/v1/records/{change['id']}", headers=people["a"]).status_code == 404
    customer = client.get("/api/v1/customers/C1", headers=people["a"]).json()
    assert customer["phone"] == "+8613800138000" and customer["email"] is None


def test_a_closed_callback_leaves_the_open_promises(
        client: Any, people: dict[str, dict[str, str]]) -> None:
    kept, dropped, still_open = (
        record("callback", customer_id="C1", owner="me", note=f"cb {n}",
               due_at="2026-11-21T09:30:00+08:00", created_at=AT) for n in range(3))
    _push(client, people["a"], kept, dropped, still_open)
    url = "/api/v1/customers/C1/timeline"
    assert len(client.get(url, headers=people["a"]).json()["open_callbacks"]) == 3
    done = record("callback_update", callback_id=kept["id"], status="done",
                  updated_at="2026-11-21T09:35:00+08:00", note="", call_record_id=None)
    cancelled = record("callback_update", callback_id=dropped["id"], status="cancelled",
                       updated_at="2026-11-21T09:36:00+08:00", note="moved", call_record_id=None)
    _push(client, people["a"], done, cancelled)
    timeline = client.get(url, headers=people["a"]).json()
    assert [c["id"] for c in timeline["open_callbacks"]] == [still_open["id"]]
    # the updates close their callbacks; they are no entries of their own
    assert {e["kind"] for e in timeline["entries"]} == {"callback", "customer_change"}
    search = client.get("/api/v1/customers/search", params={"customer_id": "C1"},
                        headers=people["a"]).json()
    assert [c["id"] for c in search["matches"][0]["open_callbacks"]] == [still_open["id"]]


def test_a_callback_update_pushed_before_its_callback_still_closes_it(
        client: Any, people: dict[str, dict[str, str]]) -> None:
    callback = record("callback", customer_id="C1", owner="me", note="",
                      due_at="2026-11-21T09:30:00+08:00", created_at=AT)
    _push(client, people["a"], record("callback_update", callback_id=callback["id"],
                                      status="done", updated_at=AT, note="",
                                      call_record_id=None))
    _push(client, people["a"], callback)
    timeline = client.get("/api/v1/customers/C1/timeline", headers=people["a"]).json()
    assert timeline["open_callbacks"] == []


def test_a_callback_for_an_unknown_caller_is_stored(
        client: Any, people: dict[str, dict[str, str]]) -> None:
    callback = record("callback", customer_id=None, callback_number="+8613800138999",
                      owner="me", note="", due_at="2026-11-21T09:30:00+08:00", created_at=AT)
    assert _push(client, people["a"], callback)["accepted_ids"] == [callback["id"]]
