"""outbound campaigns: leads, attempts, do-not-call entries, gate decisions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Issue 15: campaign leads (imported per campaign, leased to one agent at a time),
the attempts the dial gate allowed, the global and per-campaign do-not-call lists,
and every gate decision with its inputs for audit.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_attempts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("outcome_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_attempts")),
    )
    op.create_index(
        "ix_campaign_attempts_campaign_id_lead_id",
        "campaign_attempts",
        ["campaign_id", "lead_id"],
        unique=False,
    )
    op.create_index(
        "ix_campaign_attempts_phone_started_at",
        "campaign_attempts",
        ["phone", "started_at"],
        unique=False,
    )
    op.create_table(
        "campaign_leads",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("campaign_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False, comment="E.164"),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column(
            "number_zones",
            sa.String(length=2000),
            nullable=False,
            comment="phonenumbers' zones, |-joined",
        ),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("queue_rank", sa.Integer(), nullable=False, comment="-priority"),
        sa.Column(
            "extra", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("callback_owner", sa.String(length=64), nullable=True),
        sa.Column("callback_timezone", sa.String(length=64), nullable=True),
        sa.Column("callback_note", sa.String(length=500), nullable=True),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('new', 'retry', 'callback', 'done')", name=op.f("ck_campaign_leads_state")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_leads")),
        sa.UniqueConstraint("campaign_id", "lead_id", name="uq_campaign_leads_campaign_id_lead_id"),
    )
    op.create_index(
        "ix_campaign_leads_due", "campaign_leads", ["campaign_id", "state", "due_at"], unique=False
    )
    op.create_index(
        "ix_campaign_leads_next",
        "campaign_leads",
        ["campaign_id", "state", "queue_rank", "id"],
        unique=False,
    )
    op.create_index("ix_campaign_leads_phone", "campaign_leads", ["phone"], unique=False)
    op.create_index(
        "ix_campaign_leads_lease_owner", "campaign_leads", ["lease_owner"], unique=False
    )
    op.create_table(
        "dnc_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "scope", sa.String(length=64), nullable=False, comment="'' global, else a campaign id"
        ),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False, comment="import, wrapup:ID"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dnc_entries")),
        sa.UniqueConstraint("scope", "phone", name="uq_dnc_entries_scope_phone"),
    )
    op.create_index("ix_dnc_entries_phone", "dnc_entries", ["phone"], unique=False)
    op.create_table(
        "gate_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "action", sa.String(length=16), nullable=False, comment="next, dial, check, callback"
        ),
        sa.Column("campaign_id", sa.String(length=64), nullable=True),
        sa.Column("lead_id", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=True),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.String(length=200), nullable=False),
        sa.Column(
            "inputs", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gate_decisions")),
    )
    op.create_index(
        "ix_gate_decisions_campaign_id_decided_at",
        "gate_decisions",
        ["campaign_id", "decided_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_gate_decisions_campaign_id_decided_at", table_name="gate_decisions")
    op.drop_table("gate_decisions")
    op.drop_index("ix_dnc_entries_phone", table_name="dnc_entries")
    op.drop_table("dnc_entries")
    op.drop_index("ix_campaign_leads_lease_owner", table_name="campaign_leads")
    op.drop_index("ix_campaign_leads_phone", table_name="campaign_leads")
    op.drop_index("ix_campaign_leads_next", table_name="campaign_leads")
    op.drop_index("ix_campaign_leads_due", table_name="campaign_leads")
    op.drop_table("campaign_leads")
    op.drop_index("ix_campaign_attempts_phone_started_at", table_name="campaign_attempts")
    op.drop_index("ix_campaign_attempts_campaign_id_lead_id", table_name="campaign_attempts")
    op.drop_table("campaign_attempts")
