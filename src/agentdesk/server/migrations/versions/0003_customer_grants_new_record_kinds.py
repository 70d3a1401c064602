"""per-agent customer visibility grants, record kinds customer_change and
callback_update, record subjects, token revocation index

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Issue #4 item 5: an agent's pull carries only the customers it may keep offline; the
grants table says which (and since which USN). Existing records and campaigns are
turned into grants here, all under one new USN, so every desktop pulls its customers
once more at its next sync. Issue #3: the token cache reads the revocation stamp.
The derivation rules are frozen copies (a migration must not change meaning later).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

OLD_KINDS = ("call_record", "agent_state", "wrapup", "note", "callback", "access_entry",
             "training_result")
NEW_KINDS = (*OLD_KINDS, "customer_change", "callback_update")
_GRANTING_KINDS = ("call_record", "access_entry", "note", "callback", "customer_change")


def _kinds_check(kinds: tuple[str, ...]) -> str:
    return f"kind IN ({', '.join(repr(k) for k in kinds)})"


def _backfill_grants() -> None:
    conn = op.get_bind()
    records = sa.table("synced_records", sa.column("kind", sa.String()),
                       sa.column("owner_id", sa.Integer()), sa.column("payload", JSON_DOC),
                       sa.column("customer_id", sa.String()))
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("username", sa.String()),
                     sa.column("team", sa.String()))
    items = sa.table("reference_items", sa.column("kind", sa.String()),
                     sa.column("key", sa.String()), sa.column("document", JSON_DOC))
    grants = sa.table("customer_grants", sa.column("grantee", sa.String()),
                      sa.column("customer_id", sa.String()), sa.column("usn", sa.BigInteger()),
                      sa.column("reason", sa.String()),
                      sa.column("granted_at", sa.DateTime(timezone=True)))
    counter = sa.table("usn_counter", sa.column("id", sa.Integer()),
                       sa.column("value", sa.BigInteger()))
    found: dict[tuple[str, str], str] = {}
    rows = conn.execute(
        sa.select(records.c.kind, records.c.payload, records.c.customer_id, users.c.username,
                  users.c.team)
        .join(users, users.c.id == records.c.owner_id)
        .where(records.c.kind.in_(_GRANTING_KINDS), records.c.customer_id.is_not(None)))
    for kind, payload, customer_id, username, team in rows:
        found.setdefault((f"user:{username}", customer_id), kind)
        if kind == "callback" and isinstance(payload, dict) and payload.get("owner") == "team" \
                and team:
            found.setdefault((f"team:{team}", customer_id), kind)
    for key, document in conn.execute(sa.select(items.c.key, items.c.document)
                                      .where(items.c.kind == "campaign")):
        doc: Any = document if isinstance(document, dict) else {}
        assigned = doc.get("assigned") if isinstance(doc.get("assigned"), dict) else {}
        leads = [lead for lead in doc.get("leads") or [] if isinstance(lead, str)]
        grantees = [f"team:{t}" for t in assigned.get("teams") or [] if isinstance(t, str)]
        grantees += [f"user:{a}" for a in assigned.get("agents") or [] if isinstance(a, str)]
        for grantee in grantees:
            for lead in leads:
                found.setdefault((grantee, lead[:64]), f"campaign:{key}"[:160])
    if not found:
        return
    usn = conn.execute(counter.update().where(counter.c.id == 1)
                       .values(value=counter.c.value + 1)
                       .returning(counter.c.value)).scalar_one()
    now: datetime = datetime.now(UTC)
    if conn.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    conn.execute(grants.insert(), [
        {"grantee": grantee, "customer_id": customer_id, "usn": usn, "reason": reason,
         "granted_at": now} for (grantee, customer_id), reason in sorted(found.items())])


def upgrade() -> None:
    op.create_table(
        "customer_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("grantee", sa.String(length=80), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("usn", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=160), nullable=False,
                  comment="e.g. access_entry, campaign:ID"),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_grants")),
        sa.UniqueConstraint("grantee", "customer_id",
                            name="uq_customer_grants_grantee_customer_id"),
    )
    with op.batch_alter_table("customer_grants", schema=None) as batch_op:
        batch_op.create_index("ix_customer_grants_grantee_usn", ["grantee", "usn"],
                              unique=False)
    with op.batch_alter_table("synced_records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_synced_records_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_synced_records_kind"), _kinds_check(NEW_KINDS))
        batch_op.add_column(sa.Column(
            "subject_id", sa.Uuid(), nullable=True,
            comment="the record this one is about (callback_update: its callback)"))
        batch_op.create_index("ix_synced_records_subject_id", ["subject_id"], unique=False)
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tokens_revoked_at"), ["revoked_at"], unique=False)
    _backfill_grants()


def downgrade() -> None:
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tokens_revoked_at"))
    op.execute(sa.text("DELETE FROM synced_records WHERE kind IN "
                       "('customer_change', 'callback_update')"))
    with op.batch_alter_table("synced_records", schema=None) as batch_op:
        batch_op.drop_index("ix_synced_records_subject_id")
        batch_op.drop_column("subject_id")
        batch_op.drop_constraint(op.f("ck_synced_records_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_synced_records_kind"), _kinds_check(OLD_KINDS))
    with op.batch_alter_table("customer_grants", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_grants_grantee_usn")
    op.drop_table("customer_grants")
