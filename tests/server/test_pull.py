from __future__ import annotations

from typing import Any

from agentdesk.server import reference

PULL = "/api/v1/sync/pull"
CUSTOMER = {"first_name": "Wei", "last_name": "Zhang", "phone": "138 0013 8000",
            "segment": "gold", "extra": {"vip": True}}


def _pull(client: Any, headers: dict[str, str], cursor: int, limit: int = 1000) -> Any:
    r = client.get(PULL, params={"cursor": cursor, "limit": limit}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_update_then_delete_a_customer_pulls_a_tombstone(client: Any, make_user: Any) -> None:
    sup = make_user("sup", role="supervisor", team="north")
    # a supervisor pulls every customer (what an agent pulls: test_visibility.py)
    agent = make_user("sup2", role="supervisor", team="north")
    r = client.put("/api/v1/customers/C1", json=CUSTOMER, headers=sup)
    assert r.status_code == 200 and r.json()["phone"] == "+8613800138000"
    first = _pull(client, agent, 0)
    assert [(c["kind"], c["key"]) for c in first["changes"]] == [("customer", "C1")]
    assert first["changes"][0]["data"]["extra"] == {"vip": True}
    cursor = first["cursor"]

    client.put("/api/v1/customers/C1", json=dict(CUSTOMER, segment="platinum"), headers=sup)
    update = _pull(client, agent, cursor)
    assert update["changes"][0]["data"]["segment"] == "platinum"
    assert update["cursor"] > cursor

    assert client.delete("/api/v1/customers/C1", headers=sup).status_code == 204
    gone = _pull(client, agent, update["cursor"])
    assert gone["changes"] == []
    assert [(t["kind"], t["key"]) for t in gone["tombstones"]] == [("customer", "C1")]

    again = _pull(client, agent, gone["cursor"])
    assert again == {"changes": [], "tombstones": [], "cursor": gone["cursor"],
                     "has_more": False}
    # A desktop starting from scratch gets no trace of the customer but the tombstone.
    fresh = _pull(client, agent, 0)
    assert fresh["changes"] == [] and len(fresh["tombstones"]) == 1
    assert client.get("/api/v1/customers/C1", headers=agent).status_code == 404


def test_documents_of_every_kind_and_their_tombstones(client: Any, engine: Any,
                                                     make_user: Any) -> None:
    admin = make_user("root", role="admin")
    # Scripts are published validated (PUT /scripts/{id}); here only the storage counts.
    reference.put_document(engine, "script", "k1", {"name": "script"})
    for kind in ("wrapup_code_set", "not_ready_reason", "campaign"):
        document = {"name": kind} if kind != "campaign" else {
            "id": "k1", "title": "Spring", "assigned": {"teams": [], "agents": []},
            "leads": []}
        r = client.put(f"/api/v1/reference/{kind}/k1", json=document, headers=admin)
        assert r.status_code == 200, r.text
    assert client.put("/api/v1/reference/bogus/k1", json={}, headers=admin).status_code == 422
    client.delete("/api/v1/reference/script/k1", headers=admin)
    got = _pull(client, admin, 0)
    assert sorted(c["kind"] for c in got["changes"]) == [
        "campaign", "not_ready_reason", "wrapup_code_set"]
    assert got["tombstones"][0]["kind"] == "script"
    # Re-creating a deleted item clears its tombstone.
    reference.put_document(engine, "script", "k1", {"v": 2})
    got = _pull(client, admin, 0)
    assert got["tombstones"] == []
    assert client.get("/api/v1/reference/script/k1", headers=admin).json()["data"] == {"v": 2}


def test_pull_pages_by_cursor_without_losing_or_repeating(
        client: Any, engine: Any, make_user: Any) -> None:
    agent = make_user("a")
    for n in range(7):
        reference.put_document(engine, "script", f"s{n}", {"n": n})
    reference.delete_document(engine, "script", "s3")
    keys: list[str] = []
    tombs: list[str] = []
    cursor, pages = 0, 0
    while True:
        page = _pull(client, agent, cursor, limit=3)
        pages += 1
        keys += [c["key"] for c in page["changes"]]
        tombs += [t["key"] for t in page["tombstones"]]
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert sorted(keys) == ["s0", "s1", "s2", "s4", "s5", "s6"] and tombs == ["s3"]
    assert pages == 3


def test_a_page_never_splits_one_usn(client: Any, engine: Any, make_user: Any) -> None:
    """An import batch shares one USN: a page carries all of it, even past the limit."""
    from sqlalchemy.orm import Session

    agent = make_user("root", role="admin")
    with Session(engine) as s, s.begin():
        reference.upsert_customers_in(s, [(f"C{n}", {
            "first_name": "F", "last_name": "L", "phone": f"+86138001380{n:02d}"})
            for n in range(5)])
    page = _pull(client, agent, 0, limit=2)
    assert len(page["changes"]) == 5 and page["has_more"] is False
