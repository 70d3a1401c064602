"""Ranking the customers a call could belong to, and saying why.

The rules, strongest first:

1. the exact customer id the IVR collected (or the lead the agent dialed);
2. the account number, when the IVR verified the caller;
3. the caller's number; among several customers on one number (a family, a small
   office) the one with an open callback owned by this agent comes first, then the
   one contacted most recently;
4. an account number the IVR did not verify: a hint, weaker than the number.

A customer matched by several keys ranks by the strongest. Every candidate carries
its reason and the facts behind it, so the agent sees why the first one was opened
and can switch to another with one click: we never pick silently among equals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from agentdesk.core.caller_identity import CallerIdentity
from agentdesk.core.customer_directory import (
    MAX_SEARCH_RESULTS,
    Customer,
    CustomerDirectory,
    CustomerFile,
    CustomerHistory,
    Provenance,
    SearchQuery,
)
from agentdesk.core.records import AccessReason


class MatchReason(Enum):
    """Why a candidate matched; the order of the members is the order of strength."""

    CUSTOMER_ID = "customer_id"
    LEAD = "lead"  # outbound: the customer of the dialed lead
    VERIFIED_ACCOUNT = "verified_account"
    PHONE_MY_CALLBACK = "phone_my_callback"
    PHONE_RECENT_CONTACT = "phone_recent_contact"
    PHONE = "phone"
    UNVERIFIED_ACCOUNT = "unverified_account"

    @property
    def strength(self) -> int:
        """Lower is stronger; the phone reasons share one tier (ties break on facts)."""
        return _TIER[self]


_TIER = {
    MatchReason.CUSTOMER_ID: 0,
    MatchReason.LEAD: 0,
    MatchReason.VERIFIED_ACCOUNT: 1,
    MatchReason.PHONE_MY_CALLBACK: 2,
    MatchReason.PHONE_RECENT_CONTACT: 2,
    MatchReason.PHONE: 2,
    MatchReason.UNVERIFIED_ACCOUNT: 3,
}


@dataclass(frozen=True, slots=True)
class Candidate:
    customer: Customer
    reason: MatchReason
    rank: int  # 1 for the one opened, 2, 3, ...
    callback_due_at: datetime | None = None  # PHONE_MY_CALLBACK: the soonest one
    last_contact_at: datetime | None = None

    def explain(self) -> str:
        """The reason in plain English, for logs and tests (the UI translates its own)."""
        text = {
            MatchReason.CUSTOMER_ID: "customer id given by the IVR",
            MatchReason.LEAD: "the lead you dialed",
            MatchReason.VERIFIED_ACCOUNT: "account number verified by the IVR",
            MatchReason.PHONE_MY_CALLBACK: "phone number; you have an open callback",
            MatchReason.PHONE_RECENT_CONTACT: "phone number; most recent contact",
            MatchReason.PHONE: "phone number",
            MatchReason.UNVERIFIED_ACCOUNT: "account number (not verified)",
        }[self.reason]
        if self.reason is MatchReason.PHONE_MY_CALLBACK and self.callback_due_at:
            text += f" due {self.callback_due_at.isoformat(timespec='minutes')}"
        if self.last_contact_at is not None and self.reason.strength >= 2:
            text += f" (last contact {self.last_contact_at.date().isoformat()})"
        return text


@dataclass(frozen=True, slots=True)
class MatchResult:
    candidates: tuple[Candidate, ...]
    customer_id_not_found: bool = False  # the IVR gave an id that matches nobody
    account_not_found: bool = False

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None

    @property
    def unknown(self) -> bool:
        """No candidate: the agent gets the new-customer form."""
        return not self.candidates

    @property
    def ambiguous(self) -> bool:
        """More than one candidate: all are shown, with their reasons."""
        return len(self.candidates) > 1


def rank_candidates(identity: CallerIdentity, customers: Sequence[Customer],
                    histories: Mapping[str, CustomerHistory], agent: str) -> MatchResult:
    """Rank `customers` (anything the directory returned for the identity's keys).

    Customers that match none of the identity's keys are dropped, so a sloppy search
    answer cannot add a stranger to the strip. Pure: same input, same order.
    """
    by_id: dict[str, Customer] = {}
    for customer in customers:
        by_id.setdefault(customer.customer_id, customer)
    scored: list[tuple[tuple[int, int, float, str], Candidate]] = []
    for customer in by_id.values():
        history = histories.get(customer.customer_id, CustomerHistory())
        reason, due = _reason(identity, customer, history, agent)
        if reason is None:
            continue
        last = history.last_contact_at
        # within a tier: my callback first, then latest contact, then id for stability
        key = (reason.strength, 0 if due is not None else 1,
               -(last.timestamp() if last is not None else float("-inf")),
               customer.customer_id)
        scored.append((key, Candidate(customer, reason, 0, due, last)))
    scored.sort(key=lambda item: item[0])
    several_phone = sum(1 for _, c in scored if c.reason.strength == 2) > 1
    ranked = []
    first_plain_phone = True
    for position, (_, candidate) in enumerate(scored, start=1):
        reason = candidate.reason
        if reason is MatchReason.PHONE:
            # "most recent contact" is a reason only when it decided between several
            if several_phone and first_plain_phone and candidate.last_contact_at is not None:
                reason = MatchReason.PHONE_RECENT_CONTACT
            first_plain_phone = False
        ranked.append(Candidate(candidate.customer, reason, position,
                                candidate.callback_due_at, candidate.last_contact_at))
    ids = set(by_id)
    return MatchResult(
        candidates=tuple(ranked),
        customer_id_not_found=bool(identity.customer_id) and identity.customer_id not in ids,
        account_not_found=bool(identity.account) and not any(
            c.account == identity.account for c in by_id.values()))


def _reason(identity: CallerIdentity, customer: Customer, history: CustomerHistory,
            agent: str) -> tuple[MatchReason | None, datetime | None]:
    if identity.customer_id and customer.customer_id == identity.customer_id:
        lead = identity.customer_id_source == "lead"
        return (MatchReason.LEAD if lead else MatchReason.CUSTOMER_ID), None
    account_match = bool(identity.account) and customer.account == identity.account
    if account_match and identity.account_verified:
        return MatchReason.VERIFIED_ACCOUNT, None
    if identity.caller_number and identity.caller_number in customer.phones:
        mine = [p.due_at for p in history.open_promises if p.is_owned_by(agent)]
        if mine:
            return MatchReason.PHONE_MY_CALLBACK, min(mine)
        return MatchReason.PHONE, None
    if account_match:
        return MatchReason.UNVERIFIED_ACCOUNT, None
    return None, None


# --- the whole pop, for a worker thread ---------------------------------------------

@dataclass(frozen=True, slots=True)
class ScreenPop:
    """What the panel shows for one call: the ranked candidates and the file opened."""

    identity: CallerIdentity
    match: MatchResult
    file: CustomerFile | None  # the best candidate's file; None when unknown
    provenance: Provenance


def screen_pop(directory: CustomerDirectory, identity: CallerIdentity, agent: str, *,
               reason: AccessReason = AccessReason.POP, call_record_id: str | None = None,
               page_size: int = 50) -> ScreenPop:
    """Identity -> lookup -> ranking -> the best candidate's file, and one access entry
    for the file opened. Blocking (it asks the directory): run it off the GUI thread."""
    if not identity.has_keys:
        return ScreenPop(identity, MatchResult(()), None, Provenance())
    query = SearchQuery(customer_id=identity.customer_id, account=identity.account,
                        phone=identity.caller_number, limit=MAX_SEARCH_RESULTS)
    found = directory.search(query)
    match = rank_candidates(identity, found.customers, found.histories, agent)
    best = match.best
    if best is None:
        return ScreenPop(identity, match, None, found.provenance)
    file = open_customer_file(directory, best.customer.customer_id, reason=reason,
                              call_record_id=call_record_id, page_size=page_size)
    return ScreenPop(identity, match, file, found.provenance)


def open_customer_file(directory: CustomerDirectory, customer_id: str, *,
                       reason: AccessReason, call_record_id: str | None = None,
                       page_size: int = 50) -> CustomerFile | None:
    """Read one customer's file and record that it was read (pop, search, preview);
    also what a click on another candidate does. Blocking."""
    file = directory.customer_file(customer_id, page_size=page_size)
    if file is not None:
        directory.record_access(customer_id, reason, call_record_id)
    return file
