"""The outbound campaign tables (issue 15): leads, attempts, do-not-call entries and
the gate's stored decisions. Campaign documents stay reference items (kind campaign).
Imported by models.py, so Base.metadata holds them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from agentdesk.server.models import Base, utcnow

LEAD_STATES = ("new", "retry", "callback", "done")


class CampaignLead(Base):
    """A lead of a campaign. `state`: new (never dialled), retry (due at due_at),
    callback (an appointment at due_at, owned by callback_owner), done (outcome).
    `held_until`: the gate said no until then (next lead skips it meanwhile)."""

    __tablename__ = "campaign_leads"
    __table_args__ = (
        UniqueConstraint("campaign_id", "lead_id", name="uq_campaign_leads_campaign_id_lead_id"),
        CheckConstraint("state IN ('new', 'retry', 'callback', 'done')", name="state"),
        # fresh leads by priority, highest first, then in import order: one index scan
        Index("ix_campaign_leads_next", "campaign_id", "state", "queue_rank", "id"),
        Index("ix_campaign_leads_due", "campaign_id", "state", "due_at"),
        Index("ix_campaign_leads_phone", "phone"),
        Index("ix_campaign_leads_lease_owner", "lease_owner"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    campaign_id: Mapped[str] = mapped_column(String(64))
    lead_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20), comment="E.164")
    customer_id: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str | None] = mapped_column(String(64))
    number_zones: Mapped[str] = mapped_column(String(2000), default="",
                                              comment="phonenumbers' zones, |-joined")
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    queue_rank: Mapped[int] = mapped_column(Integer, default=0, comment="-priority")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default="new")
    outcome: Mapped[str | None] = mapped_column(String(16))
    due_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None]
    held_until: Mapped[datetime | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_expires_at: Mapped[datetime | None]
    callback_owner: Mapped[str | None] = mapped_column(String(64))
    callback_timezone: Mapped[str | None] = mapped_column(String(64))
    callback_note: Mapped[str | None] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CampaignAttempt(Base):
    """A dial the gate allowed (the only way an attempt is recorded), and its outcome."""

    __tablename__ = "campaign_attempts"
    __table_args__ = (
        Index("ix_campaign_attempts_phone_started_at", "phone", "started_at"),
        Index("ix_campaign_attempts_campaign_id_lead_id", "campaign_id", "lead_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[str] = mapped_column(String(64))
    lead_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(16))
    outcome_at: Mapped[datetime | None]
    decision_id: Mapped[int | None] = mapped_column(BigInteger)


class DncEntry(Base):
    """A number on the global list (scope "") or on one campaign's list (its id)."""

    __tablename__ = "dnc_entries"
    __table_args__ = (
        UniqueConstraint("scope", "phone", name="uq_dnc_entries_scope_phone"),
        Index("ix_dnc_entries_phone", "phone"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), comment="'' global, else a campaign id")
    phone: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(String(200))
    since: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(100), comment="import, wrapup:ID")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GateDecision(Base):
    """Every decision the server's gate made, with its inputs, for audit."""

    __tablename__ = "gate_decisions"
    __table_args__ = (
        Index("ix_gate_decisions_campaign_id_decided_at", "campaign_id", "decided_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    action: Mapped[str] = mapped_column(String(16), comment="next, dial, check, callback")
    campaign_id: Mapped[str | None] = mapped_column(String(64))
    lead_id: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(20))
    agent: Mapped[str | None] = mapped_column(String(64))
    allowed: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[str] = mapped_column(String(200), default="")
    inputs: Mapped[dict[str, Any]] = mapped_column(default=dict)
