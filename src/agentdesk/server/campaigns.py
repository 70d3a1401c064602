"""Outbound campaigns on the server: every dial decided by the one gate in core.

- next_lead: the agent's due callbacks first (anyone's once past the campaign's
  callback grace), then due retries, then fresh leads by priority; only leads the
  gate allows now. The lead is leased to the agent until lease expiry, so no lead is
  given to two agents: on PostgreSQL candidates are taken with SELECT ... FOR UPDATE
  SKIP LOCKED, on SQLite the transaction is BEGIN IMMEDIATE (one writer at a time).
  A lead the gate holds back is skipped until its next eligible time (15 minutes for
  reasons that are not about time), so a campaign at night does not rescan itself.
- dial: the gate again at the moment of dialling; an attempt is recorded only when
  it allows (the only way an attempt is ever recorded).
- attempt outcome: connected / invalid end the lead; busy / no_answer / rejected /
  failed schedule the retry per the campaign's retry_minutes (unless max_attempts
  is reached).
- skip, check number, callbacks (appointments in the lead's zone).
Every decision is stored with its inputs (gate_decisions).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, func, or_, select
from sqlalchemy.orm import Session

from agentdesk.core.campaigns.campaign_file import Campaign, campaign_from_document
from agentdesk.core.campaigns.gate import Attempts, Decision, DncLists, decide
from agentdesk.core.campaigns.rules import OUTCOMES, RETRY_OUTCOMES, Lead
from agentdesk.server import dnc
from agentdesk.server.campaign_models import (
    CampaignAttempt,
    CampaignLead,
    DncEntry,
    GateDecision,
)
from agentdesk.server.models import ReferenceItem, utcnow
from agentdesk.server.users import Principal

LEASE = timedelta(minutes=5)
HOLD_OTHER = timedelta(minutes=15)
SKIP_HOLD = timedelta(minutes=10)
DEFAULT_RETRY_MINUTES = 60
BATCH = 5  # candidates locked per query: few, so concurrent agents skip few
MAX_BATCHES = 40
DAY = timedelta(days=1)


class CampaignNotFoundError(LookupError):
    pass


class NotAssignedError(PermissionError):
    pass


class LeadNotFoundError(LookupError):
    pass


class LeaseConflictError(RuntimeError):
    pass


class GateRefusedError(RuntimeError):
    def __init__(self, decision: Decision) -> None:
        super().__init__("the gate refuses: " + ", ".join(decision.reasons))
        self.decision = decision


# a campaign parsed once per version (its USN), per database
_cache: dict[tuple[str, str, int], Campaign] = {}


def load_campaign(s: Session, campaign_id: str) -> Campaign:
    row = s.execute(select(ReferenceItem.usn, ReferenceItem.document).where(
        ReferenceItem.kind == "campaign", ReferenceItem.key == campaign_id)).first()
    if row is None:
        raise CampaignNotFoundError(f"no campaign {campaign_id!r}")
    key = (str(s.get_bind().engine.url), campaign_id, row.usn)
    campaign = _cache.get(key)
    if campaign is None:
        if len(_cache) > 256:
            _cache.clear()
        campaign = _cache[key] = campaign_from_document(row.document)
    return campaign


def check_assigned(campaign: Campaign, who: Principal) -> None:
    if who.role in ("supervisor", "admin"):
        return
    assigned = campaign.document.get("assigned") or {}
    if who.username in assigned.get("agents", []) or (who.team and who.team in
                                                      assigned.get("teams", [])):
        return
    raise NotAssignedError(f"campaign {campaign.id!r} is not assigned to {who.username}")


def gate_lead(row: Any) -> Lead:
    zones = tuple(row.number_zones.split("|")) if row.number_zones else ()
    return Lead(row.lead_id, row.phone, row.timezone, row.consent, zones)


@dataclass
class GateInputs:
    attempts: dict[str, list[datetime]]
    number_calls: dict[str, list[datetime]]
    hits: dict[str, set[str]]


def load_inputs(s: Session, campaign_id: str, rows: Sequence[Any], at: datetime,
                number_cap: bool = True) -> GateInputs:
    """What the gate needs besides the lead: its attempts (none to read for a lead
    never dialled), the number's calls in the 24 h before `at` (only when the campaign
    caps them) and the do-not-call hits."""
    lead_ids = [r.lead_id for r in rows if r.attempts]
    phones = list({r.phone for r in rows})
    attempts: dict[str, list[datetime]] = {}
    if lead_ids:
        for lead_id, started in s.execute(select(CampaignAttempt.lead_id,
                                                 CampaignAttempt.started_at).where(
                CampaignAttempt.campaign_id == campaign_id,
                CampaignAttempt.lead_id.in_(lead_ids))):
            attempts.setdefault(lead_id, []).append(started)
    calls: dict[str, list[datetime]] = {}
    if phones and number_cap:
        for phone, started in s.execute(select(CampaignAttempt.phone,
                                               CampaignAttempt.started_at).where(
                CampaignAttempt.phone.in_(phones), CampaignAttempt.started_at > at - DAY,
                CampaignAttempt.started_at <= at)):
            calls.setdefault(phone, []).append(started)
    return GateInputs(attempts, calls, dnc.hits(s, phones, campaign_id, at))


def decide_row(campaign: Campaign, row: Any, inputs: GateInputs, at: datetime) -> Decision:
    hits = inputs.hits.get(row.phone, set())
    lists = DncLists({row.phone} if "global" in hits else frozenset(),
                     {row.phone} if "campaign" in hits else frozenset())
    return decide(campaign.rules, gate_lead(row), Attempts(
        inputs.attempts.get(row.lead_id, ()), inputs.number_calls.get(row.phone, ())),
        lists, at)


def _audit(action: str, campaign_id: str | None, lead_id: str | None, phone: str,
           agent: str | None, decision: Decision, at: datetime,
           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    inputs = decision.audit()
    inputs.update(extra or {})
    return {"decided_at": at, "action": action, "campaign_id": campaign_id,
            "lead_id": lead_id, "phone": phone, "agent": agent, "allowed": decision.allowed,
            "reasons": "|".join(decision.reasons), "inputs": inputs}


def _store_decisions(s: Session, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    return list(s.scalars(GateDecision.__table__.insert().returning(GateDecision.id), rows))


def _hold_until(decision: Decision, at: datetime) -> datetime:
    if decision.next_eligible is not None:
        return decision.next_eligible
    return at + HOLD_OTHER


def lead_out(row: CampaignLead) -> dict[str, Any]:
    return {"campaign_id": row.campaign_id, "lead_id": row.lead_id, "phone": row.phone,
            "customer_id": row.customer_id, "first_name": row.first_name,
            "last_name": row.last_name, "timezone": row.timezone, "priority": row.priority,
            "state": row.state, "outcome": row.outcome, "attempts": row.attempts,
            "due_at": row.due_at,
            "callback_owner": row.callback_owner, "extra": row.extra}


def _live_lease(row: CampaignLead, at: datetime) -> bool:
    return row.lease_owner is not None and row.lease_expires_at is not None \
        and row.lease_expires_at > at


def next_lead(engine: Engine, campaign_id: str, who: Principal,
              at: datetime | None = None, lease: timedelta = LEASE) -> dict[str, Any]:
    """{"lead": ..., "kind": callback|retry|fresh (lease: the one it holds), ...} or
    {"lead": None, "held_back": {reason: count}} when no lead may be dialled now."""
    at = at or utcnow()
    with Session(engine) as s, s.begin():
        campaign = load_campaign(s, campaign_id)
        check_assigned(campaign, who)
        pg = s.get_bind().dialect.name == "postgresql"
        mine = s.scalars(select(CampaignLead).where(
            CampaignLead.campaign_id == campaign_id, CampaignLead.lease_owner == who.username,
            CampaignLead.lease_expires_at > at).limit(1)).first()
        if mine is not None:  # a repeated request: the same lead, the lease renewed
            mine.lease_expires_at = at + lease
            inputs = load_inputs(s, campaign_id, [mine], at)
            decision = decide_row(campaign, mine, inputs, at)
            if decision.allowed:
                _store_decisions(s, [_audit("next", campaign_id, mine.lead_id, mine.phone,
                                            who.username, decision, at)])
                return _given(mine, "lease", decision)
            mine.lease_owner = mine.lease_expires_at = None
        free = or_(CampaignLead.lease_expires_at.is_(None), CampaignLead.lease_expires_at <= at)
        ready = or_(CampaignLead.held_until.is_(None), CampaignLead.held_until <= at)
        base = and_(CampaignLead.campaign_id == campaign_id, free, ready,
                    *_cannot_pass(campaign, at))
        grace = timedelta(minutes=campaign.callback_grace_minutes)
        # due callbacks (the agent's own, or anyone's past the grace) before due retries,
        # in one query; then fresh leads by priority
        callback_due = and_(CampaignLead.state == "callback", CampaignLead.due_at <= at,
                            or_(CampaignLead.callback_owner == who.username,
                                CampaignLead.callback_owner.is_(None),
                                CampaignLead.due_at <= at - grace))
        retry_due = and_(CampaignLead.state == "retry", CampaignLead.due_at <= at)
        tiers = [
            ("due", select(CampaignLead).where(base, or_(callback_due, retry_due)).order_by(
                case((CampaignLead.state == "callback", 0), else_=1), CampaignLead.due_at,
                CampaignLead.id)),
            ("fresh", select(CampaignLead).where(base, CampaignLead.state == "new")
             .order_by(CampaignLead.queue_rank, CampaignLead.id)),
        ]
        held: dict[str, int] = {}
        for kind, query in tiers:
            for _ in range(MAX_BATCHES):
                query_n = query.limit(BATCH)
                if pg:
                    query_n = query_n.with_for_update(skip_locked=True, of=CampaignLead)
                rows = list(s.scalars(query_n))
                if not rows:
                    break
                inputs = load_inputs(s, campaign_id, rows, at,
                                     campaign.rules.max_calls_per_number_24h is not None)
                audits = []
                for row in rows:
                    decision = decide_row(campaign, row, inputs, at)
                    audits.append(_audit("next", campaign_id, row.lead_id, row.phone,
                                         who.username, decision, at))
                    if decision.allowed:
                        row.lease_owner, row.lease_expires_at = who.username, at + lease
                        _store_decisions(s, audits)
                        return _given(row, row.state if kind == "due" else kind, decision)
                    row.held_until = _hold_until(decision, at)
                    for reason in decision.reasons:
                        held[reason] = held.get(reason, 0) + 1
                _store_decisions(s, audits)
                if len(rows) < BATCH:
                    break
        return {"lead": None, "kind": None, "lease_expires_at": None, "decision": None,
                "held_back": held}


def _cannot_pass(campaign: Campaign, at: datetime) -> list[Any]:
    """SQL conditions that leave out leads the gate would refuse for reasons that do
    not pass with time (a numbers list, consent, attempts): a campaign whose top leads
    are all refused still gives its next callable lead at once. Only a narrowing: the
    gate decides every lead that remains."""
    rules = campaign.rules
    listed = select(DncEntry.id).where(DncEntry.phone == CampaignLead.phone,
                                       DncEntry.scope.in_(["", campaign.id]),
                                       DncEntry.since <= at)
    conditions: list[Any] = [~listed.exists()]
    if rules.require_consent:
        conditions.append(CampaignLead.consent.is_(True))
    if rules.max_attempts is not None:
        conditions.append(CampaignLead.attempts < rules.max_attempts)
    return conditions


def _given(row: CampaignLead, kind: str, decision: Decision) -> dict[str, Any]:
    return {"lead": lead_out(row), "kind": kind, "lease_expires_at": row.lease_expires_at,
            "decision": decision.audit(), "held_back": {}}


def _lead_for_update(s: Session, campaign_id: str, lead_id: str) -> CampaignLead:
    query = select(CampaignLead).where(CampaignLead.campaign_id == campaign_id,
                                       CampaignLead.lead_id == lead_id)
    if s.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=CampaignLead)
    row = s.scalars(query).first()
    if row is None:
        raise LeadNotFoundError(f"no lead {lead_id!r} in campaign {campaign_id!r}")
    return row


def _lead_to_work(s: Session, campaign_id: str, lead_id: str, who: Principal,
                  at: datetime) -> tuple[Campaign, Any]:
    """The campaign and the locked lead row, for an agent assigned to the campaign and
    not shut out by another agent's live lease."""
    campaign = load_campaign(s, campaign_id)
    check_assigned(campaign, who)
    row = _lead_for_update(s, campaign_id, lead_id)
    if _live_lease(row, at) and row.lease_owner != who.username:
        raise LeaseConflictError(f"lead {lead_id!r} is leased to another agent")
    return campaign, row


def dial(engine: Engine, campaign_id: str, lead_id: str, who: Principal,
         at: datetime | None = None) -> dict[str, Any]:
    """Re-check the gate now; record an attempt only when it allows (else raise
    GateRefusedError, the refusal stored with its reasons)."""
    at = at or utcnow()
    with Session(engine) as s, s.begin():
        campaign, row = _lead_to_work(s, campaign_id, lead_id, who, at)
        decision = decide_row(campaign, row, load_inputs(s, campaign_id, [row], at), at)
        [decision_id] = _store_decisions(s, [_audit("dial", campaign_id, lead_id, row.phone,
                                                    who.username, decision, at)])
        if decision.allowed:
            return _record_attempt(s, campaign, row, who, at, decision, decision_id)
    raise GateRefusedError(decision)  # after the commit: the refusal is kept for audit


def _record_attempt(s: Session, campaign: Campaign, row: CampaignLead, who: Principal,
                    at: datetime, decision: Decision, decision_id: int) -> dict[str, Any]:
    attempt = CampaignAttempt(id=uuid.uuid4(), campaign_id=campaign.id, lead_id=row.lead_id,
                              phone=row.phone, agent=who.username, started_at=at,
                              decision_id=decision_id)
    s.add(attempt)
    row.attempts += 1
    row.last_attempt_at = row.updated_at = at
    row.lease_owner, row.lease_expires_at = who.username, at + LEASE
    return {"attempt_id": attempt.id, "decision": decision.audit(),
            "caller_id": campaign.document.get("caller_id"), "phone": row.phone}


def record_outcome(engine: Engine, attempt_id: uuid.UUID, outcome: str, who: Principal,
                   at: datetime | None = None) -> dict[str, Any]:
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    at = at or utcnow()
    with Session(engine) as s, s.begin():
        attempt = s.get(CampaignAttempt, attempt_id)
        if attempt is None or (attempt.agent != who.username
                               and who.role not in ("supervisor", "admin")):
            raise LeadNotFoundError(f"no attempt {attempt_id} of {who.username}")
        if attempt.outcome is not None:
            if attempt.outcome != outcome:
                raise LeaseConflictError(f"attempt {attempt_id} already ended {attempt.outcome}")
        else:
            campaign = load_campaign(s, attempt.campaign_id)
            row = _lead_for_update(s, attempt.campaign_id, attempt.lead_id)
            attempt.outcome, attempt.outcome_at = outcome, at
            row.outcome, row.updated_at = outcome, at
            row.lease_owner = row.lease_expires_at = None
            limit = campaign.rules.max_attempts
            if row.state == "callback" and row.due_at is not None and row.due_at > at:
                pass  # a callback booked on this call: the appointment stands
            elif outcome in RETRY_OUTCOMES and (limit is None or row.attempts < limit):
                minutes = campaign.retry_minutes.get(outcome, DEFAULT_RETRY_MINUTES)
                row.state, row.due_at, row.held_until = "retry", at + timedelta(
                    minutes=minutes), None
            else:  # connected, invalid, the last attempt, or a due callback kept
                row.state, row.due_at = "done", None
        lead = _lead_for_update(s, attempt.campaign_id, attempt.lead_id)
        return {"attempt_id": attempt.id, "outcome": attempt.outcome, "lead": lead_out(lead)}


def skip(engine: Engine, campaign_id: str, lead_id: str, who: Principal, reason: str,
         at: datetime | None = None) -> dict[str, Any]:
    at = at or utcnow()
    with Session(engine) as s, s.begin():
        campaign = load_campaign(s, campaign_id)
        check_assigned(campaign, who)
        row = _lead_for_update(s, campaign_id, lead_id)
        if not (_live_lease(row, at) and row.lease_owner == who.username):
            raise LeaseConflictError(f"lead {lead_id!r} is not leased to {who.username}")
        row.lease_owner = row.lease_expires_at = None
        row.held_until = at + SKIP_HOLD
        decision = decide_row(campaign, row, load_inputs(s, campaign_id, [row], at), at)
        _store_decisions(s, [_audit("skip", campaign_id, lead_id, row.phone, who.username,
                                    decision, at, {"skip_reason": reason})])
        return {"lead": lead_out(row), "held_until": row.held_until}


def book_callback(engine: Engine, campaign_id: str, lead_id: str, who: Principal,
                  due_at: datetime, note: str = "",
                  at: datetime | None = None) -> dict[str, Any]:
    """A callback on a campaign lead: an appointment kept in the lead's zone, owned by
    the agent; the gate's verdict for that time comes back as warnings (the desk shows
    them) and the gate decides again when it is due."""
    at = at or utcnow()
    with Session(engine) as s, s.begin():
        campaign, row = _lead_to_work(s, campaign_id, lead_id, who, at)
        decision = decide_row(campaign, row, load_inputs(s, campaign_id, [row], due_at), due_at)
        zone = decision.zones[0] if decision.zones else None
        row.state, row.due_at, row.callback_owner = "callback", due_at, who.username
        row.callback_timezone, row.callback_note = zone, note[:500] or None
        row.held_until = row.lease_owner = row.lease_expires_at = None
        row.updated_at = at
        _store_decisions(s, [_audit("callback", campaign_id, lead_id, row.phone,
                                    who.username, decision, at,
                                    {"due_at": due_at.isoformat()})])
        return {"lead": lead_out(row), "due_at": due_at,
                "local_due": decision.local_time.isoformat() if decision.local_time else None,
                "timezone": zone, "warnings": list(decision.reasons),
                "next_eligible": decision.next_eligible}


def check_number(engine: Engine, number: str, campaign_id: str | None, who: Principal,
                 at: datetime | None = None) -> dict[str, Any]:
    """A manual dial of any number (E.164): the lists, and the campaign's rules when the
    number belongs to one of its leads."""
    at = at or utcnow()
    with Session(engine) as s, s.begin():
        query = select(CampaignLead).where(CampaignLead.phone == number)
        if campaign_id:
            query = query.where(CampaignLead.campaign_id == campaign_id)
        row = s.scalars(query.order_by(CampaignLead.id).limit(1)).first()
        if row is not None:
            campaign = load_campaign(s, row.campaign_id)
            decision = decide_row(campaign, row, load_inputs(s, row.campaign_id, [row], at),
                                  at)
            lead_campaign, lead_id = row.campaign_id, row.lead_id
        else:
            hits = dnc.hits(s, [number], campaign_id, at).get(number, set())
            reasons = ("dnc",) if hits else ()
            decision = Decision(not reasons, reasons, (), None, None, tuple(sorted(hits)), "")
            lead_campaign, lead_id = campaign_id, None
        _store_decisions(s, [_audit("check", lead_campaign, lead_id, number, who.username,
                                    decision, at)])
        return {"number": number, "campaign_id": lead_campaign, "lead_id": lead_id,
                "decision": decision.audit()}


# --- the audit CLI and the report -------------------------------------------------------------

CHECK_HEADER = ["lead_id", "decision", "reasons", "zones", "local_time", "next_eligible"]


def _minute_z(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%MZ")


def check_rows(engine: Engine, campaign_id: str, at: datetime) -> Iterable[list[str]]:
    """One CSV row per lead (header first), as `campaign check` prints them."""
    yield CHECK_HEADER
    with Session(engine) as s, s.begin():
        campaign = load_campaign(s, campaign_id)
        glob, own = dnc.all_numbers(s, campaign_id, at)
        lists = DncLists(glob, own)
        attempts: dict[str, list[datetime]] = {}
        for lead_id, started in s.execute(select(CampaignAttempt.lead_id,
                                                 CampaignAttempt.started_at).where(
                CampaignAttempt.campaign_id == campaign_id)):
            attempts.setdefault(lead_id, []).append(started)
        calls: dict[str, list[datetime]] = {}
        for phone, started in s.execute(select(CampaignAttempt.phone,
                                               CampaignAttempt.started_at).where(
                CampaignAttempt.started_at > at - DAY, CampaignAttempt.started_at <= at)):
            calls.setdefault(phone, []).append(started)
        rules = campaign.rules
        result = s.execute(select(CampaignLead.lead_id, CampaignLead.phone,
                                  CampaignLead.timezone, CampaignLead.consent,
                                  CampaignLead.number_zones)
                           .where(CampaignLead.campaign_id == campaign_id)
                           .order_by(CampaignLead.id)
                           .execution_options(yield_per=5000))
        empty: tuple[datetime, ...] = ()
        for lead_id, phone, zone, consent, zones in result:
            lead = Lead(lead_id, phone, zone, consent, tuple(zones.split("|")) if zones else ())
            d = decide(rules, lead, Attempts(attempts.get(lead_id, empty),
                                             calls.get(phone, empty)), lists, at)
            yield [lead_id, "dial" if d.allowed else "blocked", "|".join(d.reasons),
                   "|".join(d.zones),
                   d.local_time.isoformat(timespec="minutes") if d.zones and d.local_time
                   else "", _minute_z(d.next_eligible) if d.next_eligible else ""]


def report(engine: Engine, campaign_id: str, at: datetime | None = None) -> dict[str, Any]:
    """Leads by state (new, due, scheduled, blocked by reason, done by outcome),
    attempts, contacts, conversions and penetration."""
    at = at or utcnow()
    rows = check_rows(engine, campaign_id, at)
    next(iter(rows))
    blocked: dict[str, int] = {}
    blocked_leads: set[str] = set()
    for lead_id, decision, reasons, *_ in rows:
        if decision == "blocked":
            blocked_leads.add(lead_id)
            for reason in reasons.split("|"):
                blocked[reason] = blocked.get(reason, 0) + 1
    with Session(engine) as s, s.begin():
        states: dict[str, int] = {"new": 0, "due": 0, "scheduled": 0}
        done: dict[str, int] = {}
        total = attempted = 0
        for state, outcome, due_at, attempts in s.execute(select(
                CampaignLead.state, CampaignLead.outcome, CampaignLead.due_at,
                CampaignLead.attempts).where(
                CampaignLead.campaign_id == campaign_id)):
            total += 1
            attempted += attempts > 0
            if state == "done":
                done[outcome or "unknown"] = done.get(outcome or "unknown", 0) + 1
            elif state == "new":
                states["new"] += 1
            elif due_at is not None and due_at <= at:
                states["due"] += 1
            else:
                states["scheduled"] += 1
        counts = dict(s.execute(select(CampaignAttempt.outcome, func.count()).where(
            CampaignAttempt.campaign_id == campaign_id).group_by(CampaignAttempt.outcome)).all())
        conversions = _conversions(s, campaign_id)
    attempts_total = sum(counts.values())
    return {"campaign_id": campaign_id, "at": at.isoformat(), "leads": total,
            "new": states["new"], "due": states["due"], "scheduled": states["scheduled"],
            "blocked": len(blocked_leads), "blocked_by_reason": blocked, "done": done,
            "attempts": attempts_total, "contacts": counts.get("connected", 0),
            "conversions": conversions,
            "penetration": round(attempted / total, 4) if total else 0.0}


def _conversions(s: Session, campaign_id: str) -> int:
    """Calls of the campaign whose current wrap-up has a code flagged `sale`."""
    from agentdesk.server.models import SyncedRecord

    sale_codes: set[str] = set()
    for document in s.scalars(select(ReferenceItem.document).where(
            ReferenceItem.kind == "wrapup_code_set")):
        for category in (document or {}).get("categories", []) or []:
            for code in (category or {}).get("codes", []) or []:
                if isinstance(code, dict) and "sale" in (code.get("flags") or []):
                    sale_codes.add(str(code.get("code")))
    if not sale_codes:
        return 0
    calls = {row.id for row in s.scalars(select(SyncedRecord).where(
        SyncedRecord.kind == "call_record")) if row.payload.get("campaign_id") == campaign_id}
    if not calls:
        return 0
    wrapups = list(s.scalars(select(SyncedRecord).where(
        SyncedRecord.kind == "wrapup", SyncedRecord.call_record_id.in_(calls))))
    superseded = {str(w.payload.get("supersedes_id")) for w in wrapups
                  if w.payload.get("supersedes_id")}
    sold = {w.call_record_id for w in wrapups if str(w.id) not in superseded
            and set(w.payload.get("codes") or []) & sale_codes}
    return len(sold)
