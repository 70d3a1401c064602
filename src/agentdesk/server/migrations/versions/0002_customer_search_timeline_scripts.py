"""customer search keys, record columns for timelines and reports, script versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Issue #4 (screen pop): customers get case-folded name keys with prefix indexes
(text_pattern_ops on PostgreSQL) and an account index; synced records get the
customer, the call and the record's own time as columns filled from the payload, so a
customer's timeline is an index scan. Issue #5: every published script version is
kept in script_versions.

Existing rows are back-filled here with frozen copies of the derivation rules (a
migration must not change meaning when the application code changes later).
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OWN_TIME = {"call_record": "started_at", "agent_state": "started_at", "wrapup": "saved_at",
             "note": "created_at", "callback": "created_at", "access_entry": "accessed_at"}


def _key(name: Any) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    return unicodedata.normalize("NFKC", name.strip()).casefold()[:200]


def _aware(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _own_time(kind: str, payload: dict[str, Any]) -> datetime | None:
    value = payload.get(_OWN_TIME.get(kind, ""))
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _backfill() -> None:
    conn = op.get_bind()
    when = sa.DateTime(timezone=True)
    customers = sa.table("customers", sa.column("id", sa.Integer()),
                         sa.column("first_name", sa.String()), sa.column("last_name", sa.String()),
                         sa.column("extra", JSON_DOC), sa.column("first_name_key", sa.String()),
                         sa.column("last_name_key", sa.String()),
                         sa.column("native_name_key", sa.String()))
    records = sa.table("synced_records", sa.column("id", sa.Uuid()), sa.column("kind", sa.String()),
                       sa.column("payload", JSON_DOC), sa.column("client_created_at", when),
                       sa.column("received_at", when), sa.column("customer_id", sa.String()),
                       sa.column("call_record_id", sa.Uuid()), sa.column("occurred_at", when))
    for row in conn.execute(sa.select(customers.c.id, customers.c.first_name,
                                      customers.c.last_name, customers.c.extra)).all():
        extra = row.extra if isinstance(row.extra, dict) else {}
        conn.execute(customers.update().where(customers.c.id == row.id).values(
            first_name_key=_key(row.first_name) or "", last_name_key=_key(row.last_name) or "",
            native_name_key=_key(extra.get("native_name"))))
    rows = conn.execute(sa.select(records.c.id, records.c.kind, records.c.payload,
                                  records.c.client_created_at, records.c.received_at)).all()
    for row in rows:
        payload = row.payload if isinstance(row.payload, dict) else {}
        received = _aware(row.received_at)
        own = _own_time(row.kind, payload) or _aware(row.client_created_at) or received
        customer_id = payload.get("customer_id")
        if not isinstance(customer_id, str) or not 0 < len(customer_id) <= 64:
            customer_id = None
        try:
            call_id = uuid.UUID(payload["call_record_id"])
        except (KeyError, TypeError, ValueError, AttributeError):
            call_id = None
        occurred = min(own, received) if own and received else (own or received)
        if conn.dialect.name == "sqlite" and occurred is not None:
            occurred = occurred.astimezone(UTC).replace(tzinfo=None)
        conn.execute(records.update().where(records.c.id == row.id).values(
            customer_id=customer_id, call_record_id=call_id, occurred_at=occurred))


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("last_name_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("native_name_key", sa.String(length=200), nullable=True))
    with op.batch_alter_table("synced_records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("call_record_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column(
            "occurred_at", sa.DateTime(timezone=True), nullable=True,
            comment="the record's own time, never later than received_at"))
    _backfill()
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.alter_column("first_name_key", existing_type=sa.String(length=200),
                              nullable=False)
        batch_op.alter_column("last_name_key", existing_type=sa.String(length=200),
                              nullable=False)
        batch_op.create_index("ix_customers_account", ["account"], unique=False)
        for column in ("first_name_key", "last_name_key", "native_name_key"):
            batch_op.create_index(f"ix_customers_{column}", [column], unique=False,
                                  postgresql_ops={column: "text_pattern_ops"})
    with op.batch_alter_table("synced_records", schema=None) as batch_op:
        batch_op.alter_column("occurred_at", existing_type=sa.DateTime(timezone=True),
                              nullable=False,
                              existing_comment="the record's own time, never later than "
                                               "received_at")
        batch_op.create_index("ix_synced_records_customer_id_occurred_at",
                              ["customer_id", "occurred_at", "id"], unique=False)
        batch_op.create_index("ix_synced_records_call_record_id", ["call_record_id"],
                              unique=False)
        batch_op.create_index("ix_synced_records_kind_occurred_at", ["kind", "occurred_at"],
                              unique=False)

    op.create_table(
        "script_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.String(length=128), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", JSON_DOC, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False,
                  comment="SHA-256 of the canonical JSON"),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_versions")),
        sa.UniqueConstraint("script_id", "version", name="uq_script_versions_script_id_version"),
    )


def downgrade() -> None:
    op.drop_table("script_versions")
    with op.batch_alter_table("synced_records", schema=None) as batch_op:
        batch_op.drop_index("ix_synced_records_kind_occurred_at")
        batch_op.drop_index("ix_synced_records_call_record_id")
        batch_op.drop_index("ix_synced_records_customer_id_occurred_at")
        batch_op.drop_column("occurred_at")
        batch_op.drop_column("call_record_id")
        batch_op.drop_column("customer_id")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for column in ("native_name_key", "last_name_key", "first_name_key"):
            batch_op.drop_index(f"ix_customers_{column}")
        batch_op.drop_index("ix_customers_account")
        batch_op.drop_column("native_name_key")
        batch_op.drop_column("last_name_key")
        batch_op.drop_column("first_name_key")
