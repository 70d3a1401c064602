"""The customer directory against the real server: search, file and timeline online;
the local copy (pulled by the real sync service) when the server is down, saying so and
from when; access entries through the outbox, on the server exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from agentdesk.core.caller_identity import CallerIdentity
from agentdesk.core.customer_directory import SearchQuery, TimelineKind
from agentdesk.core.customer_match import MatchReason, screen_pop
from agentdesk.core.records import AccessReason, RecordKind
from agentdesk.server.records import iter_records
from agentdesk.store import SqliteStore
from agentdesk.sync.customer_directory import CustomerApiClient, ServerCustomerDirectory
from agentdesk.sync.wire import PushBatch, PushRecord
from tests.sync.conftest import DEMO, Desk, LiveServer, wait_for

AMBIGUOUS = "+8613700137000"
UNKNOWN = "+8613600136000"


class CountingTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now




_open: list[ServerCustomerDirectory] = []


@pytest.fixture(autouse=True)
def _close_directories() -> Iterator[None]:
    yield
    while _open:
        _open.pop().close()


def directory_for(desk: Desk, url: str, clock: Clock | None = None,
                  transport: httpx.BaseTransport | None = None) -> ServerCustomerDirectory:
    client = CustomerApiClient(url, transport=transport)
    directory = ServerCustomerDirectory(
        client, desk.session, desk.store, copy_time=lambda: desk.service.status.last_success,
        on_access_saved=desk.service.notify_saved, monotonic=clock or Clock())
    _open.append(directory)
    return directory


def push_demo_history(desk: Desk, customer_ids: set[str]) -> int:
    """The demo history of these customers, pushed as this seat's agent."""
    records = []
    for line in (DEMO / "history.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        payload = item["payload"]
        call_customer = payload.get("customer_id")
        if call_customer in customer_ids or item["kind"] == "wrapup":
            records.append(PushRecord(id=payload["id"], kind=item["kind"], payload=payload,
                                      client_created_at=datetime.now(UTC)))
    calls = {r.payload["id"] for r in records if r.kind == "call_record"}
    records = [r for r in records if r.kind != "wrapup" or r.payload["call_record_id"] in calls]
    token = desk.session.access_token()
    for start in range(0, len(records), 200):
        desk.client.push(token, PushBatch(batch_id=f"demo-{start}",
                                          records=records[start:start + 200]))
    return len(records)


def test_online_search_ranks_the_ambiguous_number(desk: Desk, demo_server: LiveServer) -> None:
    assert push_demo_history(desk, {"C-1101", "C-1102"}) > 0
    directory = directory_for(desk, demo_server.url)
    found = directory.search(SearchQuery(phone=AMBIGUOUS))
    assert not found.provenance.offline
    assert sorted(c.customer_id for c in found.customers) == ["C-1101", "C-1102"]
    father, daughter = found.histories["C-1101"], found.histories["C-1102"]
    assert father.last_contact_at is not None and daughter.last_contact_at is not None
    assert daughter.last_contact_at > father.last_contact_at  # the daughter called last
    assert [p.owner for p in father.open_promises] == ["agent-a"]  # "me" is its maker
    pop = screen_pop(directory, CallerIdentity(caller_number=AMBIGUOUS), "agent-a")
    assert [(c.customer.customer_id, c.reason) for c in pop.match.candidates] == [
        ("C-1101", MatchReason.PHONE_MY_CALLBACK), ("C-1102", MatchReason.PHONE_RECENT_CONTACT)]
    assert pop.file is not None and pop.file.customer.native_name == "王建国"
    calls = [e for e in pop.file.history.timeline if e.kind is TimelineKind.CALL]
    assert calls and all(e.wrapup_codes for e in calls)
    assert pop.file.history.open_promises[0].is_owned_by("agent-a")


def test_online_search_by_id_account_and_name(desk: Desk, demo_server: LiveServer) -> None:
    directory = directory_for(desk, demo_server.url)
    by_id = directory.search(SearchQuery(customer_id="C-1001"))
    assert [c.display_name for c in by_id.customers] == ["李雷"]
    assert [c.customer_id for c in directory.search(
        SearchQuery(account="A-88003")).customers] == ["C-1004"]
    assert "C-1004" in {c.customer_id for c in directory.search(
        SearchQuery(name="王", limit=50)).customers}
    assert directory.search(SearchQuery(phone=UNKNOWN)).customers == ()
    assert directory.search(SearchQuery(phone="12")).customers == ()  # refused: no match
    assert directory.customer_file("C-404") is None


def test_offline_pop_uses_the_local_copy_and_says_from_when(
        desk: Desk, demo_server: LiveServer) -> None:
    copy_time = desk.service.status.last_success
    demo_server.stop()
    clock = Clock()
    transport = CountingTransport()
    directory = directory_for(desk, demo_server.url, clock, transport)

    pop = screen_pop(directory, CallerIdentity(caller_number=AMBIGUOUS), "agent-a")
    assert pop.provenance.offline and pop.provenance.copy_from == copy_time
    assert "cannot reach the server" in pop.provenance.reason
    assert [c.customer.customer_id for c in pop.match.candidates] == ["C-1101", "C-1102"]
    assert pop.file is not None and pop.file.provenance.offline
    assert pop.file.history.timeline == () and not pop.file.history.complete
    asked = len(transport.paths)
    assert asked == 1  # the file was read locally: the server is not asked again

    known = screen_pop(directory, CallerIdentity(customer_id="C-1001",
                                                 customer_id_source="ivr"), "agent-a")
    assert known.match.best is not None
    assert known.match.best.reason is MatchReason.CUSTOMER_ID
    assert known.file is not None and known.file.customer.open_complaints
    assert [c.customer_id for c in directory.search(
        SearchQuery(account="A-88003")).customers] == ["C-1004"]
    assert "C-1001" in {c.customer_id for c in directory.search(
        SearchQuery(name="li", limit=50)).customers}
    unknown = screen_pop(directory, CallerIdentity(caller_number=UNKNOWN), "agent-a")
    assert unknown.match.unknown and unknown.provenance.offline
    assert len(transport.paths) == asked  # within retry_after: local copy only

    clock.now += directory.retry_after + 1
    directory.search(SearchQuery(phone=AMBIGUOUS))
    assert len(transport.paths) == asked + 1  # tried the server again


def test_access_entries_reach_the_server_exactly_once(desk: Desk, demo_server: LiveServer,
                                                      engine: Any) -> None:
    directory = directory_for(desk, demo_server.url)
    pop = screen_pop(directory, CallerIdentity(customer_id="C-1001",
                                               customer_id_source="ivr"), "agent-a")
    assert pop.file is not None
    directory.record_access("C-1002", AccessReason.SEARCH)
    wait_for(lambda: len(list(iter_records(engine, "access_entry", None))) == 2
             and desk.service.status.pending == 0, what="two access entries pushed")
    desk.service.sync_now()
    cycles = desk.service.cycles
    wait_for(lambda: desk.service.cycles > cycles, what="another sync cycle")
    entries = sorted((r.payload["customer_id"], r.payload["reason"], r.owner)
                     for r in iter_records(engine, "access_entry", None))
    assert entries == [("C-1001", "pop", "agent-a"), ("C-1002", "search", "agent-a")]


def test_offline_access_entries_wait_in_the_outbox(desk: Desk, demo_server: LiveServer,
                                                   store: SqliteStore) -> None:
    demo_server.stop()
    directory = directory_for(desk, demo_server.url)
    screen_pop(directory, CallerIdentity(caller_number=AMBIGUOUS), "agent-a")
    kinds = [i.kind for i in store.pending_outbox(100)]
    assert kinds.count(RecordKind.ACCESS_ENTRY) == 1


def test_the_file_shows_who_changed_the_customer_from_what_to_what(
        desk: Desk, demo_server: LiveServer, app: Any, engine: Any) -> None:
    """Issue #12: the desk's own contact edit and a supervisor's PUT both reach the
    file's history, readable, and only the desk's own entry carries a record id."""
    from agentdesk.core.customer_directory import Customer, customer_change_fields
    from agentdesk.core.records import CustomerChange
    from agentdesk.server.reference import get_customer, put_customer
    from agentdesk.server.users import add_user
    from agentdesk.sync.wire import CustomerIn

    directory = directory_for(desk, demo_server.url)
    shown = directory.customer_file("C-1002")  # a campaign lead: visible to agent-a
    assert shown is not None
    edited = Customer.from_document("C-1002", {**shown.customer.to_document(),
                                               "email": "jane@example.org"})
    change = CustomerChange("C-1002", customer_change_fields(shown.customer, edited, "US"),
                            datetime.now(UTC))
    desk.store.save_customer_change(change)
    desk.service.sync_now()
    wait_for(lambda: desk.store.pending_count() == 0, what="the change pushed")
    boss = add_user(engine, app.state.server.hasher, "boss", "correct horse battery",
                    "supervisor", "team-1")
    before = get_customer(engine, "C-1002")
    assert before is not None
    put_customer(engine, "C-1002", CustomerIn(**before.model_dump(
        exclude={"customer_id", "usn"}) | {"segment": "vip"}), author=boss)

    file = directory.customer_file("C-1002")
    assert file is not None
    changes = [e for e in file.history.timeline if e.kind is TimelineKind.CHANGE]
    assert [(e.agent, [(c.field, c.old, c.new) for c in e.changes]) for e in changes] == [
        ("boss", [("segment", "standard", "vip")]),
        ("agent-a", [("email", "jane.doe@example.com", "jane@example.org")])]
    assert (changes[0].record_id, changes[1].record_id) == ("", str(change.id))
