"""Which customers an agent pulls (issue #4 item 5), on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.server.conftest import record

PULL = "/api/v1/sync/pull"
PUSH = "/api/v1/sync/push"


def _customer(n: int) -> dict[str, Any]:
    return {"first_name": f"F{n}", "last_name": f"L{n}", "phone": f"+86138001380{n:02d}"}


def _pull_all(client: Any, headers: dict[str, str], cursor: int = 0,
              limit: int = 1000) -> tuple[set[str], int]:
    """Every customer key pulled from `cursor` to the end, and the final cursor."""
    keys: set[str] = set()
    while True:
        r = client.get(PULL, params={"cursor": cursor, "limit": limit}, headers=headers)
        assert r.status_code == 200, r.text
        page = r.json()
        keys |= {c["key"] for c in page["changes"] if c["kind"] == "customer"}
        assert page["cursor"] >= cursor
        cursor = page["cursor"]
        if not page["has_more"]:
            return keys, cursor


def _push(client: Any, headers: dict[str, str], *records: dict[str, Any]) -> Any:
    r = client.post(PUSH, json={"batch_id": f"b-{uuid.uuid4()}", "records": list(records)},
                    headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def center(client: Any, make_user: Any) -> dict[str, Any]:
    """Customers C1..C6; agents a and b in team north, c in team south; a supervisor."""
    users = {"sup": make_user("sup", role="supervisor", team="north"),
             "admin": make_user("root", role="admin"),
             "a": make_user("a", team="north"), "b": make_user("b", team="north"),
             "c": make_user("c", team="south")}
    for n in range(1, 7):
        r = client.put(f"/api/v1/customers/C{n}", json=_customer(n), headers=users["admin"])
        assert r.status_code == 200, r.text
    return users


def _campaign(key: str, leads: list[str], teams: list[str] | None = None,
              agents: list[str] | None = None) -> dict[str, Any]:
    return {"id": key, "title": f"Campaign {key}", "script_id": None,
            "assigned": {"teams": teams or [], "agents": agents or []}, "leads": leads}


# (what happens, as a list of (actor, action, argument); who sees which customers)
CASES: list[tuple[str, list[tuple[str, str, Any]], dict[str, set[str]]]] = [
    ("nothing yet: agents see no customer, the supervisor and admin all of them",
     [], {"a": set(), "b": set(), "c": set(),
          "sup": {f"C{n}" for n in range(1, 7)}, "admin": {f"C{n}" for n in range(1, 7)}}),
    ("an access entry grants its customer to the agent who opened the file, only",
     [("a", "push", record("access_entry", customer_id="C1", reason="pop",
                           accessed_at="2026-11-20T09:30:00+08:00"))],
     {"a": {"C1"}, "b": set(), "c": set()}),
    ("a call with a customer grants it to the caller",
     [("b", "push", record("call_record", customer_id="C2", direction="outbound",
                           started_at="2026-11-20T09:30:00+08:00"))],
     {"a": set(), "b": {"C2"}, "c": set()}),
    ("a team callback grants its customer to the whole team, a personal one to its owner",
     [("a", "push", record("callback", customer_id="C3", owner="team",
                           due_at="2026-11-21T09:30:00+08:00",
                           created_at="2026-11-20T09:30:00+08:00")),
      ("c", "push", record("callback", customer_id="C4", owner="me",
                           due_at="2026-11-21T09:30:00+08:00",
                           created_at="2026-11-20T09:30:00+08:00"))],
     {"a": {"C3"}, "b": {"C3"}, "c": {"C4"}}),
    ("a campaign grants its leads to its teams and agents",
     [("admin", "campaign", _campaign("spring", ["C5", "C6"], teams=["south"],
                                       agents=["a"]))],
     {"a": {"C5", "C6"}, "b": set(), "c": {"C5", "C6"}}),
    ("records without a customer grant nothing",
     [("a", "push", record("wrapup", codes=["SALE"], saved_at="2026-11-20T09:30:00+08:00")),
      ("a", "push", record("callback", customer_id=None, callback_number="+8613800138000",
                           owner="me", due_at="2026-11-21T09:30:00+08:00"))],
     {"a": set()}),
]


@pytest.mark.parametrize(("actions", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_who_pulls_which_customers(client: Any, center: dict[str, Any],
                                   actions: list[tuple[str, str, Any]],
                                   expected: dict[str, set[str]]) -> None:
    for actor, action, argument in actions:
        if action == "push":
            _push(client, center[actor], argument)
        else:
            r = client.put(f"/api/v1/reference/campaign/{argument['id']}", json=argument,
                           headers=center[actor])
            assert r.status_code == 200, r.text
    for who, customers in expected.items():
        assert _pull_all(client, center[who])[0] == customers, who


def test_a_customer_granted_after_the_cursor_arrives_at_the_next_pull(
        client: Any, center: dict[str, Any]) -> None:
    """The customer's own USN is older than the agent's cursor: the grant's counts."""
    seen, cursor = _pull_all(client, center["a"])
    assert seen == set()
    _push(client, center["a"], record("access_entry", customer_id="C4", reason="search",
                                      accessed_at="2026-11-20T09:30:00+08:00"))
    seen, cursor2 = _pull_all(client, center["a"], cursor)
    assert seen == {"C4"} and cursor2 > cursor
    # nothing again until something changes; then a change of C4 arrives, C1's doesn't
    assert _pull_all(client, center["a"], cursor2) == (set(), cursor2)
    for n in (4, 1):
        client.put(f"/api/v1/customers/C{n}", json=dict(_customer(n), segment="gold"),
                   headers=center["admin"])
    seen, _ = _pull_all(client, center["a"], cursor2)
    assert seen == {"C4"}


def test_a_campaign_change_makes_its_new_leads_visible_at_the_next_pull(
        client: Any, center: dict[str, Any]) -> None:
    url = "/api/v1/reference/campaign/spring"
    client.put(url, json=_campaign("spring", ["C1"], agents=["b"]), headers=center["sup"])
    seen, cursor = _pull_all(client, center["b"])
    assert seen == {"C1"}
    client.put(url, json=_campaign("spring", ["C1", "C2"], agents=["b"], teams=["south"]),
               headers=center["sup"])
    assert _pull_all(client, center["b"], cursor)[0] == {"C2"}
    assert _pull_all(client, center["c"])[0] == {"C1", "C2"}


def test_paging_an_agents_pull_loses_nothing(client: Any, center: dict[str, Any],
                                             engine: Any) -> None:
    from sqlalchemy.orm import Session

    from agentdesk.server import reference

    with Session(engine) as s, s.begin():  # one import batch: 30 customers, one USN
        reference.upsert_customers_in(s, [(f"D{n}", _customer(n)) for n in range(30)])
    leads = [f"D{n}" for n in range(0, 30, 2)]
    client.put("/api/v1/reference/campaign/big", json=_campaign("big", leads, agents=["a"]),
               headers=center["admin"])
    for n in (1, 3, 5):
        _push(client, center["a"], record("access_entry", customer_id=f"D{n}", reason="pop",
                                          accessed_at="2026-11-20T09:30:00+08:00"))
    seen, _ = _pull_all(client, center["a"], limit=2)
    assert seen == {*leads, "D1", "D3", "D5"}


@pytest.mark.parametrize("document, field", [
    ({"title": "x", "assigned": {"teams": [], "agents": []}, "leads": []}, "id"),
    ({"id": "k", "assigned": {"teams": [], "agents": []}, "leads": []}, "title"),
    ({"id": "k", "title": {"en": ""}, "assigned": {}, "leads": []}, "title"),
    ({"id": "k", "title": "x", "assigned": ["north"], "leads": []}, "assigned"),
    ({"id": "k", "title": "x", "assigned": {"teams": [1]}, "leads": []}, "assigned.teams"),
    ({"id": "k", "title": "x", "assigned": {}, "leads": "C1"}, "leads"),
    ({"id": "k", "title": "x", "assigned": {}, "leads": ["C1", ""]}, "leads[1]"),
    ({"id": "k", "title": "x", "assigned": {}, "leads": [], "script_id": 3}, "script_id"),
])
def test_a_campaign_without_its_minimum_shape_is_refused(
        client: Any, center: dict[str, Any], document: dict[str, Any], field: str) -> None:
    r = client.put("/api/v1/reference/campaign/k", json=document, headers=center["admin"])
    assert r.status_code == 422
    assert f"campaign 'k': {field}:" in r.json()["detail"]


def test_a_campaign_title_may_come_in_several_languages(
        client: Any, center: dict[str, Any]) -> None:
    document = _campaign("k", ["C1"], agents=["a"])
    document["title"] = {"en": "the fiber upgrade", "zh_CN": "光纤升级"}
    r = client.put("/api/v1/reference/campaign/k", json=document, headers=center["admin"])
    assert r.status_code == 200, r.text


def test_search_stays_center_wide_for_agents(client: Any, center: dict[str, Any]) -> None:
    r = client.get("/api/v1/customers/search", params={"customer_id": "C6"},
                   headers=center["c"])
    assert [m["customer"]["customer_id"] for m in r.json()["matches"]] == ["C6"]


def test_the_migration_grants_existing_records_and_campaigns(empty_db_url: str) -> None:
    """A server upgraded from 0002: what agents did before becomes their grants."""
    from alembic import command
    from sqlalchemy import text

    from agentdesk.server import db

    engine = db.make_engine(empty_db_url)
    make_id: Callable[[uuid.UUID], Any] = (
        (lambda u: u.hex) if engine.dialect.name == "sqlite" else (lambda u: u))
    try:
        command.upgrade(db.alembic_config(engine), "0002")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (username, role, team, password_hash, disabled, created_at) "
                "VALUES ('u', 'agent', 'north', 'x', false, '2026-01-01 00:00:00')"))
            for kind, payload in (
                    ("access_entry", '{"customer_id": "C1"}'),
                    ("callback", '{"customer_id": "C2", "owner": "team"}'),
                    ("wrapup", '{"codes": []}')):
                conn.execute(text(
                    "INSERT INTO synced_records (id, kind, owner_id, payload, "
                    "client_created_at, received_at, occurred_at, customer_id) VALUES "
                    "(:id, :kind, 1, :payload, '2026-01-01 00:00:00', '2026-01-01 00:00:00', "
                    "'2026-01-01 00:00:00', :customer_id)"),
                    {"id": make_id(uuid.uuid4()), "kind": kind, "payload": payload,
                     "customer_id": "C1" if kind == "access_entry"
                     else "C2" if kind == "callback" else None})
            conn.execute(text(
                "INSERT INTO reference_items (kind, key, document, usn, updated_at) VALUES "
                "('campaign', 'k', :doc, 1, '2026-01-01 00:00:00')"),
                {"doc": '{"id": "k", "assigned": {"teams": ["south"]}, "leads": ["C3"]}'})
        db.migrate(engine)
        with engine.connect() as conn:
            grants = set(conn.execute(text("SELECT grantee, customer_id FROM customer_grants")))
            usns = set(conn.execute(text("SELECT usn FROM customer_grants")).scalars())
            head = conn.execute(text("SELECT value FROM usn_counter")).scalar()
        assert grants == {("user:u", "C1"), ("user:u", "C2"), ("team:north", "C2"),
                          ("team:south", "C3")}
        assert usns == {head}  # one new USN: every desktop pulls them at its next sync
    finally:
        engine.dispose()


def test_cli_import_campaign_checks_then_publishes_and_grants(
        db_url: str, engine: Any, tmp_path: Any) -> None:
    import json

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from agentdesk.server.models import CustomerGrant, ReferenceItem
    from tests.server.test_cli import _cli

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "k", "title": "x", "assigned": {}, "leads": [7]}),
                   encoding="utf-8")
    code, _out, err = _cli(db_url, "import", "campaign", str(bad))
    assert code == 1
    assert err.strip() == f"{bad}:1:53: campaign 'k': leads[0]: must be a customer id of " \
                          "1-64 characters"
    code, out, err = _cli(db_url, "import", "campaign", "-", stdin=json.dumps(
        _campaign("k", ["C1", "C2"], teams=["north"])))
    assert code == 0, err
    assert out.startswith("published campaign k with 2 lead(s)")
    with Session(engine) as s:
        assert s.scalar(select(ReferenceItem.key).where(ReferenceItem.kind == "campaign")) == "k"
        assert set(s.execute(select(CustomerGrant.grantee, CustomerGrant.customer_id))) == {
            ("team:north", "C1"), ("team:north", "C2")}
