"""Customer changes made on the desktop, and the server's history merged with this
desktop's records: table-driven, no store, no Qt."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agentdesk.core.customer_directory import (
    Customer,
    CustomerEditError,
    CustomerHistory,
    LocalHistory,
    Promise,
    TimelineEntry,
    TimelineKind,
    customer_change_fields,
    new_customer_fields,
    new_customer_id,
    with_local_records,
)
from agentdesk.core.customer_duplicates import NewCustomerDraft
from agentdesk.core.records import CustomerChange

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LI = Customer(customer_id="C-1", first_name="Lei", last_name="Li", phone="+8613800138000",
              email="li@example.cn", city="Beijing", tier="2", consent=(("sms", True),),
              extra={"native_name": "李雷", "city": "Beijing", "tier": "2", "vip_note": "x"})


@pytest.mark.parametrize(("changes", "expected"), [
    ({}, {}),
    ({"phone": "139 0013 9000"}, {"phone": "+8613900139000"}),
    ({"phone": "+86 138-0013-8000"}, {}),  # the same number, written differently
    ({"email": ""}, {"email": None}),
    ({"email": "new@example.cn", "segment": "gold"},
     {"email": "new@example.cn", "segment": "gold"}),
    ({"city": ""}, {"extra": {"city": None}}),  # cleared: sent as null, or it would stay
    ({"tier": "1", "dnc": True}, {"extra": {"tier": "1", "dnc": True}}),
    ({"consent": (("phone", False), ("sms", True))},
     {"extra": {"consent": {"phone": False, "sms": True}}}),
    ({"lifecycle": "active"}, {"extra": {"lifecycle": "active"}}),
])
def test_only_changed_fields_are_sent(changes: dict[str, Any],
                                      expected: dict[str, Any]) -> None:
    fields = customer_change_fields(LI, replace(LI, **changes), "CN")
    assert fields == expected
    if fields:  # what the store and the server accept
        assert CustomerChange("C-1", fields, NOW).fields == expected


@pytest.mark.parametrize(("changes", "message"), [
    ({"phone": "12"}, "customer 'C-1': field 'phone': '12' is not a phone number"),
    ({"phone": "call me"}, "field 'phone'"),
    ({"customer_id": "C-2"}, "field 'customer_id' cannot be changed"),
])
def test_a_change_that_cannot_be_saved_names_the_field(changes: dict[str, Any],
                                                       message: str) -> None:
    with pytest.raises(CustomerEditError, match=re.escape(message)):
        customer_change_fields(LI, replace(LI, **changes), "CN")


@pytest.mark.parametrize(("draft", "expected"), [
    (NewCustomerDraft("Min", "Zhao", "136 0013 6000", language="zh_CN"),
     {"first_name": "Min", "last_name": "Zhao", "phone": "+8613600136000",
      "language": "zh_CN"}),
    (NewCustomerDraft("", "", "+8613600136000", native_name="赵敏", email="z@example.cn"),
     {"first_name": "", "last_name": "赵敏", "phone": "+8613600136000",
      "email": "z@example.cn", "extra": {"native_name": "赵敏"}}),
    (NewCustomerDraft(" Ann ", "", "(415) 555-0100", account="A-1"),
     {"first_name": "Ann", "last_name": "", "phone": "+14155550100", "account": "A-1"}),
])
def test_a_new_customer_from_the_form(draft: NewCustomerDraft,
                                      expected: dict[str, Any]) -> None:
    region = "US" if "415" in draft.phone else "CN"
    fields = new_customer_fields(draft, region)
    assert fields == expected
    assert CustomerChange(new_customer_id(), fields, NOW, created=True).created


@pytest.mark.parametrize(("draft", "message"), [
    (NewCustomerDraft("", "", "+8613600136000"), "field 'last_name': a name is required"),
    (NewCustomerDraft("Min", "Zhao", "+12"), "field 'phone': '+12' is not a phone number"),
])
def test_a_new_customer_that_cannot_be_saved(draft: NewCustomerDraft, message: str) -> None:
    with pytest.raises(CustomerEditError, match=re.escape(message)):
        new_customer_fields(draft, "CN")


def test_new_customer_ids_are_namespaced_and_never_repeat() -> None:
    made = {new_customer_id() for _ in range(10_000)}
    assert len(made) == 10_000
    assert all(re.fullmatch(r"N-[0-9a-f]{32}", i) for i in made)


# --- merging the server's page with this desktop's records ----------------------------

def note(record_id: str, hours_ago: float, text: str = "") -> TimelineEntry:
    return TimelineEntry(TimelineKind.NOTE, NOW - timedelta(hours=hours_ago), "agent-a",
                         text=text, record_id=record_id)


def call(record_id: str, hours_ago: float, *codes: str) -> TimelineEntry:
    return TimelineEntry(TimelineKind.CALL, NOW - timedelta(hours=hours_ago), "agent-a",
                         direction="inbound", wrapup_codes=codes, record_id=record_id)


def promise(record_id: str, due_hours: float, created_hours_ago: float) -> Promise:
    return Promise(record_id, "callback", NOW + timedelta(hours=due_hours), "agent-a",
                   created_at=NOW - timedelta(hours=created_hours_ago))


def test_unpushed_records_join_the_page_once_newest_first() -> None:
    server = CustomerHistory(timeline=(note("n1", 1), call("c1", 5, "billing")),
                             last_contact_at=NOW - timedelta(hours=5), complete=True)
    local = LocalHistory(CustomerHistory(
        timeline=(note("n2", 0, "a second ago"), note("n1", 1), call("c1", 5, "billing")),
        complete=False))
    merged = with_local_records(server, local)
    assert [e.record_id for e in merged.timeline] == ["n2", "n1", "c1"]
    assert merged.complete and merged.last_contact_at == NOW - timedelta(hours=5)


def test_local_records_older_than_an_incomplete_page_stay_on_older_pages() -> None:
    server = CustomerHistory(timeline=(note("n1", 1), note("n0", 10)), complete=False)
    local = LocalHistory(CustomerHistory(
        timeline=(note("n2", 0), note("old", 48)),
        open_promises=(promise("p-old", 1, 50), promise("p-new", 2, 0.5))))
    merged = with_local_records(server, local)
    assert [e.record_id for e in merged.timeline] == ["n2", "n1", "n0"]
    assert [p.id for p in merged.open_promises] == ["p-new"]
    assert not merged.complete


def test_a_wrapup_reopened_here_replaces_the_servers_codes() -> None:
    server = CustomerHistory(timeline=(call("c1", 5, "billing"), call("c2", 9, "sale")))
    local = LocalHistory(CustomerHistory(timeline=(
        replace(call("c1", 5, "billing", "complaint"), text="re-opened"),
        call("c2", 9))))  # no wrap-up here: the server's codes stay
    merged = with_local_records(server, local)
    assert [(e.record_id, e.wrapup_codes, e.text) for e in merged.timeline] == [
        ("c1", ("billing", "complaint"), "re-opened"), ("c2", ("sale",), "")]


def test_promises_closed_here_leave_and_new_ones_join_soonest_first() -> None:
    server = CustomerHistory(open_promises=(promise("p1", 5, 10), promise("p2", 1, 10)))
    local = LocalHistory(CustomerHistory(open_promises=(promise("p3", 3, 0),
                                                        promise("p2", 1, 10))),
                         closed_promise_ids=frozenset({"p1"}))
    merged = with_local_records(server, local)
    assert [p.id for p in merged.open_promises] == ["p2", "p3"]
