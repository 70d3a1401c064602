"""Ranking rules, table-driven: id > verified account > phone (my callback, then most
recent contact) > unverified account; every candidate says why."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from agentdesk.core.caller_identity import CallerIdentity
from agentdesk.core.customer_directory import (
    Customer,
    CustomerDocumentError,
    CustomerFile,
    CustomerHistory,
    LookupResult,
    Promise,
    Provenance,
    RecordView,
    SearchQuery,
    TimelineKind,
    build_history,
)
from agentdesk.core.customer_match import (
    MatchReason,
    open_customer_file,
    rank_candidates,
    screen_pop,
)
from agentdesk.core.records import AccessReason

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SHARED = "+8613800138000"
ME, COLLEAGUE = "agent7", "agent9"


def customer(cid: str, phone: str = SHARED, account: str = "") -> Customer:
    return Customer(customer_id=cid, first_name=cid, last_name="X", phone=phone,
                    account=account or f"A-{cid}")


def history(days_ago: int | None = None, callback_owner: str = "") -> CustomerHistory:
    promises = ()
    if callback_owner:
        promises = (Promise(id="cb", kind="callback", due_at=NOW + timedelta(hours=2),
                            owner=callback_owner),)
    last = None if days_ago is None else NOW - timedelta(days=days_ago)
    return CustomerHistory(open_promises=promises, last_contact_at=last)


@dataclass
class Case:
    name: str
    identity: CallerIdentity
    customers: list[Customer]
    histories: dict[str, CustomerHistory] = field(default_factory=dict)
    expected: list[tuple[str, MatchReason]] = field(default_factory=list)


CASES = [
    Case("customer id beats everything",
         CallerIdentity(customer_id="C1", customer_id_source="ivr", account="A-C2",
                        account_verified=True, caller_number=SHARED),
         [customer("C3"), customer("C2"), customer("C1", phone="+8613900000000")],
         {"C3": history(1, ME)},
         [("C1", MatchReason.CUSTOMER_ID), ("C2", MatchReason.VERIFIED_ACCOUNT),
          ("C3", MatchReason.PHONE_MY_CALLBACK)]),
    Case("the dialed lead is named as such",
         CallerIdentity(direction="outbound", customer_id="C1", customer_id_source="lead",
                        caller_number=SHARED),
         [customer("C2"), customer("C1")], {},
         [("C1", MatchReason.LEAD), ("C2", MatchReason.PHONE)]),
    Case("verified account beats phone",
         CallerIdentity(account="A-C2", account_verified=True, caller_number=SHARED),
         [customer("C1"), customer("C2", phone="+8613900000000")], {"C1": history(0, ME)},
         [("C2", MatchReason.VERIFIED_ACCOUNT), ("C1", MatchReason.PHONE_MY_CALLBACK)]),
    Case("unverified account ranks below phone",
         CallerIdentity(account="A-C2", caller_number=SHARED),
         [customer("C2", phone="+8613900000000"), customer("C1")], {},
         [("C1", MatchReason.PHONE), ("C2", MatchReason.UNVERIFIED_ACCOUNT)]),
    Case("my open callback beats a more recent contact",
         CallerIdentity(caller_number=SHARED),
         [customer("C1"), customer("C2")], {"C1": history(1), "C2": history(30, ME)},
         [("C2", MatchReason.PHONE_MY_CALLBACK), ("C1", MatchReason.PHONE_RECENT_CONTACT)]),
    Case("a colleague's callback does not count as mine",
         CallerIdentity(caller_number=SHARED),
         [customer("C1"), customer("C2")], {"C1": history(1), "C2": history(30, COLLEAGUE)},
         [("C1", MatchReason.PHONE_RECENT_CONTACT), ("C2", MatchReason.PHONE)]),
    Case("team callbacks are nobody's in particular",
         CallerIdentity(caller_number=SHARED),
         [customer("C1"), customer("C2")], {"C1": history(3), "C2": history(9, "team")},
         [("C1", MatchReason.PHONE_RECENT_CONTACT), ("C2", MatchReason.PHONE)]),
    Case("most recent contact first; never contacted last",
         CallerIdentity(caller_number=SHARED),
         [customer("C1"), customer("C2"), customer("C3")],
         {"C1": history(40), "C3": history(2)},
         [("C3", MatchReason.PHONE_RECENT_CONTACT), ("C1", MatchReason.PHONE),
          ("C2", MatchReason.PHONE)]),
    Case("no history at all: ties break on the id, and nothing claims recency",
         CallerIdentity(caller_number=SHARED),
         [customer("C2"), customer("C1")], {},
         [("C1", MatchReason.PHONE), ("C2", MatchReason.PHONE)]),
    Case("a single phone match is just a phone match",
         CallerIdentity(caller_number=SHARED), [customer("C1")], {"C1": history(1)},
         [("C1", MatchReason.PHONE)]),
    Case("a second phone of the customer matches too",
         CallerIdentity(caller_number="+8613911112222"),
         [Customer(customer_id="C1", first_name="a", last_name="b", phone=SHARED,
                   other_phones=("+8613911112222",))], {},
         [("C1", MatchReason.PHONE)]),
    Case("strangers in the answer are dropped",
         CallerIdentity(caller_number=SHARED),
         [customer("C1"), customer("C9", phone="+8613900000000")], {},
         [("C1", MatchReason.PHONE)]),
    Case("a customer listed twice is one candidate",
         CallerIdentity(caller_number=SHARED), [customer("C1"), customer("C1")], {},
         [("C1", MatchReason.PHONE)]),
    Case("nothing to go by: unknown",
         CallerIdentity(), [customer("C1")], {}, []),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_ranking(case: Case) -> None:
    result = rank_candidates(case.identity, case.customers, case.histories, ME)
    assert [(c.customer.customer_id, c.reason) for c in result.candidates] == case.expected
    assert [c.rank for c in result.candidates] == list(range(1, len(case.expected) + 1))
    assert result.unknown == (not case.expected)
    assert result.ambiguous == (len(case.expected) > 1)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_ranking_does_not_depend_on_input_order(case: Case) -> None:
    forward = rank_candidates(case.identity, case.customers, case.histories, ME)
    backward = rank_candidates(case.identity, list(reversed(case.customers)),
                               case.histories, ME)
    assert forward == backward


def test_every_candidate_explains_itself() -> None:
    result = rank_candidates(CallerIdentity(caller_number=SHARED),
                             [customer("C1"), customer("C2")],
                             {"C1": history(5), "C2": history(1, ME)}, ME)
    first, second = result.candidates
    assert first.callback_due_at == NOW + timedelta(hours=2)
    assert first.explain() == ("phone number; you have an open callback due "
                               "2026-11-20T12:00+00:00 (last contact 2026-11-19)")
    assert second.explain() == "phone number; most recent contact (last contact 2026-11-15)"


def test_an_unknown_ivr_id_is_reported_and_the_phone_still_matches() -> None:
    result = rank_candidates(CallerIdentity(customer_id="C-404", caller_number=SHARED,
                                            account="A-404", account_verified=True),
                             [customer("C1")], {}, ME)
    assert result.customer_id_not_found and result.account_not_found
    assert result.best is not None and result.best.customer.customer_id == "C1"


def test_no_agent_means_no_callback_is_mine() -> None:
    result = rank_candidates(CallerIdentity(caller_number=SHARED),
                             [customer("C1"), customer("C2")],
                             {"C1": history(9, ""), "C2": history(1)}, "")
    assert [c.reason for c in result.candidates] == [MatchReason.PHONE_RECENT_CONTACT,
                                                     MatchReason.PHONE]


# --- the facts ranking uses: histories built from synced records ----------------------

def _record(kind: str, agent: str = ME, **payload: object) -> RecordView:
    return RecordView(kind=kind, owner=agent, payload=payload)


def test_history_folds_calls_wrapups_notes_and_callbacks() -> None:
    t0 = NOW - timedelta(days=10)
    records = [
        _record("call_record", id="call-1", direction="inbound",
                started_at=t0.isoformat(), connected_at=(t0 + timedelta(seconds=5)).isoformat(),
                ended_at=(t0 + timedelta(seconds=185)).isoformat()),
        _record("wrapup", id="w1", call_record_id="call-1", codes=["billing"],
                saved_at=(t0 + timedelta(minutes=4)).isoformat(), note="first"),
        _record("wrapup", id="w2", call_record_id="call-1", codes=["billing", "refund"],
                saved_at=(t0 + timedelta(minutes=9)).isoformat(), note="reopened",
                supersedes_id="w1"),
        _record("callback", id="cb-old", due_at=(t0 + timedelta(days=1)).isoformat(),
                owner="me", created_at=(t0 - timedelta(days=1)).isoformat(),
                customer_timezone="Asia/Shanghai", note="kept by the call after it"),
        _record("callback", id="cb-open", due_at=(NOW - timedelta(hours=1)).isoformat(),
                owner="me", created_at=(t0 + timedelta(minutes=9)).isoformat(),
                customer_timezone="Asia/Shanghai", note="send the refund form"),
        _record("note", agent=COLLEAGUE, id="n1", text="prefers mornings",
                created_at=(t0 - timedelta(days=3)).isoformat()),
        _record("access_entry", id="a1", accessed_at=t0.isoformat()),
        _record("email", id="e1", created_at=(t0 - timedelta(days=5)).isoformat(),
                summary="asked for an invoice"),
        _record("call_record", id="broken", started_at="yesterday"),
    ]
    built = build_history(records)
    kinds = [(e.kind, e.record_id) for e in built.timeline]
    assert kinds == [(TimelineKind.CALLBACK, "cb-open"), (TimelineKind.CALL, "call-1"),
                     (TimelineKind.CALLBACK, "cb-old"), (TimelineKind.NOTE, "n1"),
                     (TimelineKind.OTHER, "e1")]
    call = built.timeline[1]
    assert (call.wrapup_codes, call.text, call.duration_seconds, call.agent) == (
        ("billing", "refund"), "reopened", 180.0, ME)
    assert [p.id for p in built.open_promises] == ["cb-open"]
    promise = built.open_promises[0]
    assert promise.owner == ME and promise.is_owned_by(ME) and promise.is_overdue(NOW)
    assert built.last_contact_at == t0
    assert built.timeline[-1].channel == "email"


def test_team_callbacks_are_owned_by_the_team() -> None:
    built = build_history([_record("callback", id="cb", owner="me", due_at=NOW.isoformat(),
                                   created_at=NOW.isoformat()),
                           _record("callback", id="cb2", due_at=NOW.isoformat(),
                                   created_at=NOW.isoformat(), owner="team")])
    assert sorted(p.owner for p in built.open_promises) == [ME, "team"]


def test_customer_documents_from_csv_extra_text_are_understood() -> None:
    doc = {"customer_id": "C-1", "first_name": "芳", "last_name": "王",
           "phone": "+8618612345678", "email": None, "account": "A-1", "segment": "gold",
           "language": "zh_CN", "timezone": "Asia/Shanghai",
           "extra": {"native_name": "王芳", "tier": "2", "lifecycle": "At_Risk",
                     "dnc": "true", "consent": '{"sms": true, "phone": false}',
                     "complaints": '[{"id": "K1", "opened_at": "2026-11-01T09:00:00+08:00",'
                                   ' "summary": "late delivery", "status": "open"},'
                                   ' {"id": "K0", "status": "closed"}]'}}
    c = Customer.from_document("C-1", doc)
    assert (c.display_name, c.lifecycle, c.dnc) == ("王芳", "at_risk", True)
    assert c.consent_for("sms") is True and c.consent_for("phone") is False
    assert [k.id for k in c.open_complaints] == ["K1"]
    assert c.open_complaints[0].age_days(NOW) == 19
    again = Customer.from_document("C-1", c.to_document())
    assert (again.dnc, again.consent, again.native_name) == (c.dnc, c.consent, c.native_name)


@pytest.mark.parametrize(("doc", "field_name"), [
    ({"first_name": "a", "last_name": "b"}, "phone"),
    ({"first_name": "a", "last_name": "b", "phone": "+1", "extra": []}, "extra"),
    ({"first_name": ["a"], "last_name": "b", "phone": "+1"}, "first_name"),
    ({"first_name": "a", "last_name": "b", "phone": "+1", "extra": {"consent": "{oops"}},
     "extra.consent"),
    ({"first_name": "a", "last_name": "b", "phone": "+1", "extra": {"complaints": [1]}},
     r"extra.complaints\[0\]"),
])
def test_bad_customer_documents_name_the_customer_and_field(doc: dict[str, object],
                                                           field_name: str) -> None:
    with pytest.raises(CustomerDocumentError, match=f"customer 'C-7': field '{field_name}"):
        Customer.from_document("C-7", doc)


# --- the whole pop, against a fake directory ---------------------------------------

class FakeDirectory:
    """The CustomerDirectory port over a list, recording what was asked and read."""

    def __init__(self, customers: list[Customer], offline: bool = False) -> None:
        self.customers = {c.customer_id: c for c in customers}
        self.provenance = Provenance(offline=offline, copy_from=NOW if offline else None)
        self.queries: list[SearchQuery] = []
        self.accesses: list[tuple[str, AccessReason, str | None]] = []

    def search(self, query: SearchQuery) -> LookupResult:
        self.queries.append(query)
        found = tuple(c for c in self.customers.values()
                      if c.customer_id == query.customer_id or c.account == query.account
                      or query.phone in c.phones)
        return LookupResult(found, {}, self.provenance)

    def customer_file(self, customer_id: str, *, page_size: int = 50) -> CustomerFile | None:
        customer = self.customers.get(customer_id)
        return None if customer is None else CustomerFile(customer, CustomerHistory(),
                                                          self.provenance)

    def record_access(self, customer_id: str, reason: AccessReason,
                      call_record_id: str | None = None) -> None:
        self.accesses.append((customer_id, reason, call_record_id))


def test_screen_pop_opens_the_best_and_records_one_access() -> None:
    directory = FakeDirectory([customer("C1"), customer("C2")], offline=True)
    pop = screen_pop(directory, CallerIdentity(caller_number=SHARED, customer_id="C2",
                                               customer_id_source="ivr"), ME,
                     call_record_id="7f1c5a8e-0000-4000-8000-000000000001")
    assert directory.queries == [SearchQuery(customer_id="C2", phone=SHARED, limit=50)]
    assert pop.file is not None and pop.file.customer.customer_id == "C2"
    assert pop.provenance.offline and pop.provenance.copy_from == NOW
    assert directory.accesses == [("C2", AccessReason.POP,
                                   "7f1c5a8e-0000-4000-8000-000000000001")]
    switched = open_customer_file(directory, "C1", reason=AccessReason.POP)
    assert switched is not None and directory.accesses[-1] == ("C1", AccessReason.POP, None)


def test_screen_pop_of_an_unknown_or_withheld_caller_reads_nothing() -> None:
    directory = FakeDirectory([customer("C1")])
    withheld = screen_pop(directory, CallerIdentity(withheld=True), ME)
    assert withheld.match.unknown and withheld.file is None and directory.queries == []
    unknown = screen_pop(directory, CallerIdentity(caller_number="+8613600136000"), ME)
    assert unknown.match.unknown and unknown.file is None
    assert directory.accesses == []  # nothing was opened, nothing is recorded
