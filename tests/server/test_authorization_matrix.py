"""The authorization matrix (issue #12): every route, and every record kind x who asks
(the record's owner, an agent of its team, an agent of another team, a supervisor of
its team, a supervisor of another team, an admin) x what it does (read, create,
supersede / close / attach to), on SQLite and PostgreSQL.

Each table is checked whole: a test lists every cell that does not hold, so one run
shows the full picture. The rules are in server/authorization.py and the README."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agentdesk.core.campaigns.campaign_file import campaign_from_document
from agentdesk.server.agent_report import agent_report
from agentdesk.server.leads_import import import_leads
from agentdesk.server.models import CustomerChangeLog

API = "/api/v1"
AT = "2026-11-20T09:30:00+08:00"
DUE = "2026-11-21T09:30:00+08:00"

# who asks: (username, role, team); the records under test belong to "owner"
ACTORS: dict[str, tuple[str, str, str | None]] = {
    "agent own": ("owner", "agent", "north"),
    "agent same team": ("mate", "agent", "north"),
    "agent other team": ("stranger", "agent", "south"),
    "supervisor own team": ("sup_n", "supervisor", "north"),
    "supervisor other team": ("sup_s", "supervisor", "south"),
    "admin": ("root", "admin", None),
}
EVERYONE = frozenset(ACTORS)
# who may change the owner's records: itself, its team's supervisor, an admin
MANAGERS_OF_OWNER = frozenset({"agent own", "supervisor own team", "admin"})
MANAGERS = frozenset({"supervisor own team", "supervisor other team", "admin"})
AGENTS = EVERYONE - MANAGERS
CAMPAIGN_WORKERS = frozenset({"agent own", "agent same team"}) | MANAGERS
CAMPAIGN = {"id": "camp-north", "title": "North", "assigned": {"teams": ["north"]},
            "require_consent": True, "default_region": "CN"}


def rec(kind: str, **payload: Any) -> dict[str, Any]:
    payload.setdefault("id", str(uuid.uuid4()))
    return {"id": payload["id"], "kind": kind, "payload": payload, "client_created_at": AT}


def call(customer_id: str = "C1") -> dict[str, Any]:
    return rec("call_record", call_id=f"c-{uuid.uuid4()}", direction="inbound",
               remote_number="+8613800138000", started_at="2026-11-20T09:00:00+08:00",
               connected_at="2026-11-20T09:00:05+08:00", ended_at="2026-11-20T09:05:05+08:00",
               sip_end_code=200, customer_id=customer_id)


def wrapup(call_id: str, codes: list[str], supersedes: str | None = None) -> dict[str, Any]:
    return rec("wrapup", call_record_id=call_id, codes=codes, saved_at=AT, note="",
               amount=None, callback_at=None, auto_wrapped=False, supersedes_id=supersedes)


def note(call_id: str | None = None) -> dict[str, Any]:
    return rec("note", customer_id="C1", text="hello", created_at=AT, call_record_id=call_id)


def callback(owner: str = "me", call_id: str | None = None) -> dict[str, Any]:
    return rec("callback", customer_id="C1", due_at=DUE, customer_timezone="Asia/Shanghai",
               owner=owner, note="call back", created_at=AT, call_record_id=call_id)


def callback_update(callback_id: str, status: str = "done",
                    call_id: str | None = None) -> dict[str, Any]:
    return rec("callback_update", callback_id=callback_id, status=status, updated_at=AT,
               note="", call_record_id=call_id)


def access(customer_id: str = "C1", call_id: str | None = None) -> dict[str, Any]:
    return rec("access_entry", customer_id=customer_id, reason="pop", accessed_at=AT,
               call_record_id=call_id)


def change(customer_id: str, fields: dict[str, Any], created: bool = False,
           call_id: str | None = None) -> dict[str, Any]:
    return rec("customer_change", customer_id=customer_id, fields=fields, created=created,
               changed_at=AT, call_record_id=call_id)


def state() -> dict[str, Any]:
    return rec("agent_state", state="ready", started_at=AT, ended_at=None, reason_code=None)


@dataclass
class World:
    client: Any
    engine: Engine
    headers: dict[str, dict[str, str]]  # by actor
    owned: dict[str, dict[str, Any]]  # the owner's records, by name

    def push(self, actor: str, *records: dict[str, Any]) -> dict[str, Any]:
        r = self.client.post(f"{API}/sync/push", headers=self.headers[actor], json={
            "batch_id": f"b-{uuid.uuid4()}", "records": list(records)})
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    def get(self, actor: str | None, path: str, **params: Any) -> Any:
        headers = self.headers[actor] if actor else {}
        return self.client.get(f"{API}{path}", params=params, headers=headers)


@pytest.fixture
def world(client: Any, make_user: Any, engine: Engine, tmp_path: Path) -> World:
    headers = {actor: make_user(name, role=role, team=team)
               for actor, (name, role, team) in ACTORS.items()}
    for customer_id, first in (("C1", "Wei"), ("C2", "Na"), ("C3", "Lei")):
        r = client.put(f"{API}/customers/{customer_id}", headers=headers["admin"], json={
            "first_name": first, "last_name": "Zhang", "phone": "+8613800138000",
            "segment": "retail", "extra": {"tier": "gold", "complaints": [
                {"id": "K1", "summary": "late refund", "status": "open"}]}})
        assert r.status_code == 200, r.text
    the_call = call()
    owned = {"call_record": the_call, "wrapup": wrapup(the_call["id"], ["SALE"]),
             "callback": callback("me", the_call["id"]), "team_callback": callback("team"),
             "anyone_callback": callback("anyone"),
             "note": note(the_call["id"]), "access_entry": access(call_id=the_call["id"]),
             "agent_state": state(),
             "customer_change": change("C1", {"email": "wei@example.cn"},
                                       call_id=the_call["id"])}
    closed = callback()
    owned["closed_callback"] = closed
    owned["callback_update"] = callback_update(closed["id"], call_id=the_call["id"])
    w = World(client, engine, headers, owned)
    r = client.put(f"{API}/reference/campaign/camp-north", headers=headers["admin"],
                   json=CAMPAIGN)
    assert r.status_code == 200, r.text
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,phone,consent\nL1,+8613900139000,no\n", encoding="utf-8")
    report = import_leads(engine, campaign_from_document(CAMPAIGN), leads)
    assert report.rejected == [], report
    result = w.push("agent own", *owned.values())
    assert result["rejected"] == [] and result["accepted"] == len(owned), result
    return w


def _verdict(result: dict[str, Any], judged: dict[str, Any]) -> tuple[bool, str]:
    rejected = {r["id"]: r["reason"] for r in result["rejected"]}
    if judged["id"] in rejected:
        return False, rejected[judged["id"]]
    assert judged["id"] in result["accepted_ids"], result
    return True, ""


# --- every route x every role --------------------------------------------------------

# (method, path template) -> (who gets a success answer, that answer). Anyone else
# gets 403 (a role it lacks; another user's record: 404), and no token 401.
ROUTES: dict[tuple[str, str], tuple[frozenset[str], int]] = {
    ("GET", "/health"): (EVERYONE, 200),
    ("POST", "/auth/login"): (EVERYONE, 200),
    ("POST", "/auth/refresh"): (EVERYONE, 200),
    ("POST", "/auth/logout"): (EVERYONE, 204),
    ("POST", "/sync/push"): (EVERYONE, 200),
    ("GET", "/sync/pull"): (EVERYONE, 200),
    ("GET", "/records"): (EVERYONE, 200),
    ("GET", "/records/{record_id}"): (MANAGERS_OF_OWNER, 200),  # others: 404, below
    ("GET", "/customers/search"): (EVERYONE, 200),
    ("GET", "/customers/{customer_id}/timeline"): (EVERYONE, 200),
    ("GET", "/customers/{customer_id}/access"): (MANAGERS, 200),
    ("GET", "/access"): (MANAGERS, 200),
    ("GET", "/customers"): (EVERYONE, 200),
    ("GET", "/customers/{customer_id}"): (EVERYONE, 200),
    ("PUT", "/customers/{customer_id}"): (MANAGERS, 200),
    ("DELETE", "/customers/{customer_id}"): (MANAGERS, 204),
    ("GET", "/reference/{kind}/{key}"): (EVERYONE, 200),
    ("PUT", "/reference/{kind}/{key}"): (MANAGERS, 200),
    ("DELETE", "/reference/{kind}/{key}"): (MANAGERS, 204),
    ("PUT", "/scripts/{script_id}"): (MANAGERS, 422),  # past the role check: the document
    ("GET", "/scripts/{script_id}/versions"): (EVERYONE, 200),
    ("GET", "/scripts/{script_id}/versions/{version}"): (EVERYONE, 404),  # none published
    # campaign "camp-north" is assigned to team north; managers may work any campaign
    ("POST", "/campaigns/{campaign_id}/next"): (CAMPAIGN_WORKERS, 200),
    # past the assignment check: the gate refuses the lead (no consent), with its reasons
    ("POST", "/campaigns/{campaign_id}/leads/{lead_id}/dial"): (CAMPAIGN_WORKERS, 409),
    ("POST", "/campaigns/{campaign_id}/leads/{lead_id}/skip"): (CAMPAIGN_WORKERS, 409),
    ("POST", "/campaigns/{campaign_id}/leads/{lead_id}/callback"): (CAMPAIGN_WORKERS, 200),
    # an attempt that is not the caller's does not exist for it (404, like a record)
    ("POST", "/campaigns/attempts/{attempt_id}/outcome"): (EVERYONE, 404),
    ("POST", "/campaigns/check-number"): (EVERYONE, 200),
}
NO_TOKEN_OK = {("GET", "/health"), ("POST", "/auth/login")}


def test_the_route_table_names_every_route_of_the_app(app: Any) -> None:
    routes = {(method.upper(), path.removeprefix(API))
              for path, operations in app.openapi()["paths"].items() for method in operations}
    assert routes == set(ROUTES), "a new route needs its row in ROUTES"


def _call_route(w: World, actor: str | None, method: str, path: str,
                n: int) -> Any:
    key = f"K{n}-{(actor or 'anon').replace(' ', '_')}"
    owner_record = w.owned["note"]["id"]
    headers = dict(w.headers[actor]) if actor else {}
    name, _, _ = ACTORS[actor] if actor else ("nobody", "", None)
    if path in ("/auth/refresh", "/auth/logout") and actor:  # they spend their token
        login = w.client.post(f"{API}/auth/login", json={"username": name,
                                                         "password": "correct horse"})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    if actor:  # what a write needs to exist
        w.client.put(f"{API}/customers/{key}", headers=w.headers["admin"], json={
            "first_name": "X", "last_name": "Y", "phone": "+8613800138001"})
        w.client.put(f"{API}/reference/not_ready_reason/{key}", headers=w.headers["admin"],
                     json={"code": key, "label": "Lunch", "paid": False})
    concrete = (path.replace("{record_id}", owner_record).replace("{customer_id}", key)
                .replace("{kind}", "not_ready_reason").replace("{key}", key)
                .replace("{script_id}", "greeting").replace("{version}", "1")
                .replace("{campaign_id}", "camp-north").replace("{lead_id}", "L1")
                .replace("{attempt_id}", str(uuid.uuid5(uuid.NAMESPACE_URL, key))))
    body: Any = None
    params: dict[str, Any] = {}
    if path == "/auth/login":
        body = {"username": name if actor else "nobody", "password": "correct horse"}
    elif path == "/sync/push":
        body = {"batch_id": f"b-{uuid.uuid4()}", "records": [state()]}
    elif path == "/customers/search":
        params = {"name": "x"}
    elif path == "/customers" and method == "GET":
        params = {"phone": "+8613800138001"}
    elif method == "PUT" and path.startswith("/customers/"):
        body = {"first_name": "X", "last_name": "Z", "phone": "+8613800138001"}
    elif method == "PUT" and path.startswith("/reference/"):
        body = {"code": key, "label": "Break", "paid": True}
    elif method == "PUT" and path.startswith("/scripts/"):
        body = {"id": "not-greeting"}  # the id in the path differs: a 422 past the role
    elif path.endswith("/skip"):
        body = {"reason": "wrong person"}
    elif path.endswith("/callback"):
        body = {"due_at": "2030-01-07T10:00:00+08:00"}
    elif path.endswith("/outcome"):
        body = {"outcome": "busy"}
    elif path == "/campaigns/check-number":
        body = {"number": "+8613900139000"}
    return w.client.request(method, f"{API}{concrete}", headers=headers, json=body,
                            params=params)


def test_every_route_answers_each_role_as_documented(world: World) -> None:
    wrong = []
    for n, ((method, path), (allowed, success)) in enumerate(ROUTES.items()):
        for actor in ACTORS:
            r = _call_route(world, actor, method, path, n)
            if actor in allowed:
                expected = success
            elif path == "/records/{record_id}":
                expected = 404  # no oracle: another user's record does not exist
            else:
                expected = 403
            if r.status_code != expected:
                wrong.append((method, path, actor, r.status_code, expected, r.text[:120]))
        r = _call_route(world, None, method, path, n)
        expected = success if (method, path) in NO_TOKEN_OK else 401
        if path == "/auth/login":
            expected = 401  # "nobody" has no account
        if r.status_code != expected:
            wrong.append((method, path, "no token", r.status_code, expected, r.text[:120]))
    assert wrong == []


# --- every record kind x every role: read, create ----------------------------------------

READ_KINDS = ("call_record", "wrapup", "callback", "note", "access_entry", "agent_state",
              "customer_change", "callback_update")


def test_reading_a_record_of_each_kind(world: World) -> None:
    wrong = []
    for kind in READ_KINDS:
        record_id = world.owned[kind]["id"]
        for actor in ACTORS:
            may = actor in MANAGERS_OF_OWNER
            one = world.get(actor, f"/records/{record_id}")
            listed = {r["id"] for r in world.get(actor, "/records", kind=kind,
                                                 limit=1000).json()["records"]}
            got = (one.status_code, record_id in listed)
            if got != ((200, True) if may else (404, False)):
                wrong.append((kind, actor, got))
    assert wrong == []


def _fresh_records_of_every_kind() -> list[dict[str, Any]]:
    """One record of each kind that refers only to records of the same batch."""
    own_call, own_callback = call(), callback()
    return [own_call, wrapup(own_call["id"], ["SALE"]), note(own_call["id"]), own_callback,
            callback_update(own_callback["id"], call_id=own_call["id"]),
            access(call_id=own_call["id"]), state(),
            change(f"N-{uuid.uuid4().hex}", {"first_name": "Li", "last_name": "Lei",
                                             "phone": "+8613700137000",
                                             "account": "A-1"}, created=True,
                   call_id=own_call["id"])]


def test_creating_a_record_of_each_kind(world: World) -> None:
    wrong = []
    for actor in ACTORS:
        records = _fresh_records_of_every_kind()
        assert {r["kind"] for r in records} == set(READ_KINDS)
        result = world.push(actor, *records)
        if result["rejected"] or result["accepted"] != len(records):
            wrong.append((actor, result["rejected"]))
        for r in records:  # and its author reads it back
            if world.get(actor, f"/records/{r['id']}").status_code != 200:
                wrong.append((actor, r["kind"], "not readable by its author"))
    assert wrong == []


# --- every reference field x every role: supersede, close, attach to ---------------------

# (what, the records to push given the owner's, the judged record is the last one,
#  who may do it)
Case = tuple[str, Callable[[dict[str, Any]], list[dict[str, Any]]], frozenset[str]]
CHANGE_CASES: list[Case] = [
    ("wrapup supersedes the owner's wrap-up",
     lambda o: [wrapup(o["call_record"]["id"], ["NO_SALE"], o["wrapup"]["id"])],
     MANAGERS_OF_OWNER),
    ("wrapup attaches to the owner's call",
     lambda o: [wrapup(o["call_record"]["id"], ["NO_SALE"])], MANAGERS_OF_OWNER),
    ("note attaches to the owner's call", lambda o: [note(o["call_record"]["id"])],
     MANAGERS_OF_OWNER),
    ("callback attaches to the owner's call",
     lambda o: [callback("me", o["call_record"]["id"])], MANAGERS_OF_OWNER),
    ("access_entry attaches to the owner's call",
     lambda o: [access(call_id=o["call_record"]["id"])], MANAGERS_OF_OWNER),
    ("customer_change attaches to the owner's call",
     lambda o: [access(), change("C1", {"email": "x@example.cn"},
                                 call_id=o["call_record"]["id"])], MANAGERS_OF_OWNER),
    ("callback_update closes the owner's own callback",
     lambda o: [callback_update(o["callback"]["id"], "cancelled")], MANAGERS_OF_OWNER),
    ("callback_update closes the owner's team callback",
     lambda o: [callback_update(o["team_callback"]["id"])],
     MANAGERS_OF_OWNER | {"agent same team"}),
    ("callback_update closes the owner's 'anyone' callback",
     lambda o: [callback_update(o["anyone_callback"]["id"])],
     MANAGERS_OF_OWNER | {"agent same team"}),
    ("callback_update (of its own callback) attaches to the owner's call",
     lambda o: [own := callback(), callback_update(own["id"],
                                                   call_id=o["call_record"]["id"])],
     MANAGERS_OF_OWNER),
]


def test_superseding_closing_and_attaching_to_the_owners_records(world: World) -> None:
    wrong = []
    for what, build, allowed in CHANGE_CASES:
        for actor in ACTORS:
            records = build(world.owned)
            result = world.push(actor, *records)
            accepted, reason = _verdict(result, records[-1])
            if accepted != (actor in allowed):
                wrong.append((what, actor, "accepted" if accepted else reason))
            elif not accepted and "may not" not in reason:
                wrong.append((what, actor, f"refused without saying why: {reason}"))
            if len(result["rejected"]) > (0 if accepted else 1):
                wrong.append((what, actor, "a record before the judged one was refused"))
    assert wrong == []


def test_a_refused_attack_changes_nothing_the_owner_or_its_reports_see(
        world: World) -> None:
    """Finding 1 as reported: another team's agent re-wraps a colleague's sale and
    cancels its callback; the colleague's file and figures do not move."""
    o = world.owned
    attacks = [wrapup(o["call_record"]["id"], ["NO_SALE"], o["wrapup"]["id"]),
               callback_update(o["callback"]["id"], "cancelled"),
               callback_update(o["team_callback"]["id"], "cancelled")]
    result = world.push("agent other team", *attacks)
    assert sorted(r["id"] for r in result["rejected"]) == sorted(a["id"] for a in attacks)
    timeline = world.get("agent own", "/customers/C1/timeline").json()
    calls = [e for e in timeline["entries"] if e["kind"] == "call_record"]
    assert [e["wrapup_codes"] for e in calls] == [["SALE"]]
    assert {c["id"] for c in timeline["open_callbacks"]} >= {
        o["callback"]["id"], o["team_callback"]["id"]}
    start = datetime(2026, 11, 19, tzinfo=UTC)
    outcomes: Counter[str] = Counter()
    for period in agent_report(world.engine, start, start + timedelta(days=3)):
        if period.agent == "owner":
            outcomes.update(period.figures.outcomes)
    assert dict(outcomes) == {"SALE": 1}


def test_references_must_name_the_right_kind_of_record(world: World) -> None:
    own_call, other_call, own_note = call(), call(), note()
    first = wrapup(own_call["id"], ["SALE"])
    world.push("agent own", own_call, other_call, own_note, first)
    cases = [
        (wrapup(own_call["id"], ["X"], own_note["id"]), "names a note record, not a wrapup"),
        (wrapup(other_call["id"], ["X"], first["id"]), "a wrap-up of another call"),
        (callback_update(own_note["id"]), "names a note record, not a callback"),
        (note(first["id"]), "names a wrapup record, not a call_record"),
        (wrapup("not-a-uuid", ["X"]), "call_record_id is not a record id"),
    ]
    itself = wrapup(own_call["id"], ["X"])
    itself["payload"]["supersedes_id"] = itself["id"]
    cases.append((itself, "names the record itself"))
    for judged, reason in cases:
        result = world.push("agent own", judged)
        assert [r["id"] for r in result["rejected"]] == [judged["id"]], (reason, result)
        assert reason in result["rejected"][0]["reason"]


def test_a_reference_to_a_record_not_on_the_server_yet_is_accepted(world: World) -> None:
    """The desktop pushes in the order it recorded; what a record refers to may come
    later (or was never pushed): the record is kept, never lost."""
    later = callback()
    result = world.push("agent other team", callback_update(later["id"]))
    assert result["rejected"] == []
    assert world.push("agent other team", later)["rejected"] == []


def test_a_record_stored_before_the_rule_is_a_duplicate_not_a_refusal(world: World) -> None:
    again = world.push("agent own", world.owned["wrapup"], world.owned["customer_change"])
    assert again["duplicates"] == 2 and again["rejected"] == []


# --- customer changes from the desk -----------------------------------------------------

FORBIDDEN_TO_AGENTS = [{"segment": "vip"}, {"account": "A-2"},
                       {"extra": {"complaints": None}}, {"extra": {"tier": "platinum"}},
                       {"extra": {"consent": {"phone": False}}}, {"extra": {"dnc": True}}]
CUSTOMER_CASES: list[Case] = [
    ("contact data of a customer it opened",
     lambda o: [access("C2"), change("C2", {"phone": "+8613900139000", "email": "na@x.cn",
                                            "extra": {"city": "Xi'an"}})], EVERYONE),
    ("contact data of a customer it never saw",
     lambda o: [change("C3", {"email": "lei@x.cn"})], MANAGERS),
    ("created=true over an existing customer it never saw",
     lambda o: [change("C3", {"first_name": "Mallory", "last_name": "X",
                              "phone": "+8613900139001"}, created=True)], MANAGERS),
    ("a new customer with contact data and an account",
     lambda o: [change(f"N-{uuid.uuid4().hex}", {
         "first_name": "Li", "last_name": "Lei", "phone": "+8613700137000", "account": "A-9",
         "extra": {"native_name": "李雷"}}, created=True)], EVERYONE),
    ("a new customer with a segment",
     lambda o: [change(f"N-{uuid.uuid4().hex}", {
         "first_name": "Li", "last_name": "Lei", "phone": "+8613700137000",
         "segment": "vip"}, created=True)], MANAGERS),
    *[(f"{fields} of a customer it opened",
       (lambda o, fields=fields: [access("C2"), change("C2", fields)]), MANAGERS)
      for fields in FORBIDDEN_TO_AGENTS],
]


def test_which_customer_changes_each_role_may_push(world: World) -> None:
    wrong = []
    for what, build, allowed in CUSTOMER_CASES:
        for actor in ACTORS:
            records = build(world.owned)
            accepted, reason = _verdict(world.push(actor, *records), records[-1])
            if accepted != (actor in allowed):
                wrong.append((what, actor, "accepted" if accepted else reason))
    assert wrong == [], "\n".join(map(str, wrong))
    # what agents may not touch is still there
    extra = world.get("admin", "/customers/C3").json()["extra"]
    assert extra["complaints"][0]["id"] == "K1" and extra["tier"] == "gold"


def test_every_applied_change_is_in_the_customers_history(world: World) -> None:
    agent_change = change("C2", {"phone": "+8613900139000", "extra": {"city": "Xi'an"}})
    world.push("agent same team", access("C2"), agent_change)
    r = world.client.put(f"{API}/customers/C2", headers=world.headers["supervisor own team"],
                         json={"first_name": "Na", "last_name": "Zhang",
                               "phone": "+8613900139000", "segment": "retail",
                               "extra": {"city": "Xi'an", "tier": "silver"}})
    assert r.status_code == 200, r.text
    refused = change("C2", {"segment": "vip"})
    world.push("agent same team", refused)  # refused: not applied, not logged
    entries = [e for e in world.get("agent other team", "/customers/C2/timeline")
               .json()["entries"] if e["kind"] == "customer_change"]
    # newest first: the PUT, the desk's change, the admin's creation
    assert [e["agent"] for e in entries] == ["sup_n", "mate", "root"]
    assert {c["field"]: (c["old"], c["new"]) for c in entries[0]["changes"]} == {
        "extra.complaints": ('[{"id": "K1", "status": "open", "summary": "late refund"}]',
                             None),
        "extra.tier": ("gold", "silver")}
    assert {c["field"]: (c["old"], c["new"]) for c in entries[1]["changes"]} == {
        "phone": ("+8613800138000", "+8613900139000"), "extra.city": (None, "Xi'an")}
    assert entries[1]["record_id"] is None  # another user's record: no id
    mine = [e for e in world.get("agent same team", "/customers/C2/timeline")
            .json()["entries"] if e["kind"] == "customer_change"]
    assert mine[1]["record_id"] == agent_change["id"]
    assert world.client.delete(f"{API}/customers/C2",
                               headers=world.headers["admin"]).status_code == 204
    with Session(world.engine) as s:
        log = list(s.scalars(select(CustomerChangeLog)
                             .where(CustomerChangeLog.customer_id == "C2")
                             .order_by(CustomerChangeLog.changed_at)))
    assert [(e.author, e.source, e.action) for e in log] == [
        ("root", "api", "create"), ("mate", "push", "update"), ("sup_n", "api", "update"),
        ("root", "api", "delete")]
    assert log[1].record_id == uuid.UUID(agent_change["id"])
    assert log[-1].old["first_name"] == "Na"
    assert set(log[-1].new.values()) == {None}


# --- the timeline carries what the file shows -----------------------------------------------

def test_the_timeline_and_search_hand_out_no_colleagues_ids_or_payloads(
        world: World) -> None:
    owner_ids = {r["id"] for r in world.owned.values()}
    for actor in ACTORS:
        for path, params in (("/customers/C1/timeline", {}),
                             ("/customers/search", {"customer_id": "C1"})):
            r = world.get(actor, path, **params)
            assert r.status_code == 200, r.text
            leaked = {rid for rid in owner_ids if rid in r.text}
            if actor == "agent own":
                assert leaked, "the owner reads its own ids"
                continue
            # a team callback's id goes to whoever may close it, nothing else does
            closable = {world.owned[n]["id"] for n in ("team_callback", "anyone_callback")}
            may_close = closable if actor in ("agent same team", "supervisor own team",
                                              "admin") else set()
            if actor in ("supervisor own team", "admin"):
                may_close |= {world.owned["callback"]["id"]}
            assert leaked == may_close, (actor, path)
            assert "payload" not in r.text
    for actor in ACTORS:
        entries = world.get(actor, "/customers/C1/timeline").json()["entries"]
        numbers = {e["remote_number"] for e in entries if e["kind"] == "call_record"}
        assert numbers == ({"+8613800138000"} if actor == "agent own" else {None}), actor
    body = world.get("agent other team", "/customers/C1/timeline").json()
    assert set(body) == {"customer_id", "entries", "open_callbacks", "open_complaints",
                         "last_contact_at", "next_page"}
    shown = [e for e in body["entries"] if e["kind"] == "call_record"]
    assert shown[0]["wrapup_codes"] == ["SALE"] and shown[0]["agent"] == "owner"


def test_a_supervisor_without_a_team_and_teamless_records() -> None:
    """The rule as a function: no team means no team to manage or share with."""
    from agentdesk.server.authorization import Target, may_change
    from agentdesk.server.users import Principal

    lone_sup, lone_agent = Principal(7, "s", "supervisor", None), Principal(8, "a", "agent", None)
    teamless = Target("callback", 9, None, None, "team")
    assert not may_change(lone_sup, teamless, "close")
    assert not may_change(lone_agent, teamless, "close")
    assert may_change(lone_sup, Target("wrapup", 7, None, None, None), "supersede")
    assert may_change(Principal(1, "root", "admin", None), teamless, "close")
