"""The first local schema: records, outbox, reference cache, drafts.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Column types as the models' TypeDecorators store them
_TIME = sa.String(32)  # UTC ISO text
_UUID = sa.Uuid()
_MONEY = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "call_records",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("remote_number", sa.String(100), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("connected_at", _TIME, nullable=True),
        sa.Column("ended_at", _TIME, nullable=True),
        sa.Column("sip_end_code", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.String(100), nullable=True),
        sa.Column("script_id", sa.String(100), nullable=True),
        sa.Column("script_version", sa.Integer(), nullable=True),
        sa.Column("script_path", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_call_records"),
    )
    op.create_table(
        "wrapups",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("call_record_id", _UUID, nullable=False),
        sa.Column("codes", sa.JSON(), nullable=False),
        sa.Column("saved_at", _TIME, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("amount", _MONEY, nullable=True),
        sa.Column("callback_at", _TIME, nullable=True),
        sa.Column("auto_wrapped", sa.Boolean(), nullable=False),
        sa.Column("supersedes_id", _UUID, nullable=True),
        sa.ForeignKeyConstraint(["call_record_id"], ["call_records.id"],
                                name="fk_wrapups_call_record_id_call_records"),
        sa.ForeignKeyConstraint(["supersedes_id"], ["wrapups.id"],
                                name="fk_wrapups_supersedes_id_wrapups"),
        sa.PrimaryKeyConstraint("id", name="pk_wrapups"),
    )
    op.create_index("ix_wrapups_call_record_id", "wrapups", ["call_record_id"])
    op.create_table(
        "agent_state_changes",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("ended_at", _TIME, nullable=True),
        sa.Column("reason_code", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_agent_state_changes"),
    )
    op.create_index("ix_agent_state_changes_started_at", "agent_state_changes", ["started_at"])
    op.create_table(
        "notes",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("call_record_id", _UUID, nullable=True),
        sa.ForeignKeyConstraint(["call_record_id"], ["call_records.id"],
                                name="fk_notes_call_record_id_call_records"),
        sa.PrimaryKeyConstraint("id", name="pk_notes"),
    )
    op.create_index("ix_notes_customer_id", "notes", ["customer_id"])
    op.create_table(
        "callbacks",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("due_at", _TIME, nullable=False),
        sa.Column("customer_timezone", sa.String(64), nullable=False),
        sa.Column("owner", sa.String(8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("call_record_id", _UUID, nullable=True),
        sa.ForeignKeyConstraint(["call_record_id"], ["call_records.id"],
                                name="fk_callbacks_call_record_id_call_records"),
        sa.PrimaryKeyConstraint("id", name="pk_callbacks"),
    )
    op.create_index("ix_callbacks_customer_id", "callbacks", ["customer_id"])
    op.create_index("ix_callbacks_due_at", "callbacks", ["due_at"])
    op.create_table(
        "access_entries",
        sa.Column("id", _UUID, nullable=False),
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("accessed_at", _TIME, nullable=False),
        sa.Column("call_record_id", _UUID, nullable=True),
        sa.ForeignKeyConstraint(["call_record_id"], ["call_records.id"],
                                name="fk_access_entries_call_record_id_call_records"),
        sa.PrimaryKeyConstraint("id", name="pk_access_entries"),
    )
    op.create_index("ix_access_entries_customer_id", "access_entries", ["customer_id"])
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("record_id", _UUID, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("pushed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("record_id", name="uq_outbox_record_id"),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name="pk_customers"),
    )
    op.create_table(
        "customer_phones",
        sa.Column("customer_id", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.customer_id"], ondelete="CASCADE",
                                name="fk_customer_phones_customer_id_customers"),
        sa.PrimaryKeyConstraint("customer_id", "phone", name="pk_customer_phones"),
    )
    op.create_index("ix_customer_phones_phone", "customer_phones", ["phone"])
    op.create_table(
        "reference_items",
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", name="pk_reference_items"),
    )
    op.create_table(
        "sync_state",
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_sync_state"),
    )
    op.create_table(
        "wrapup_drafts",
        sa.Column("call_record_id", _UUID, nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("call_record_id", name="pk_wrapup_drafts"),
    )


def downgrade() -> None:
    for table in ("wrapup_drafts", "sync_state", "reference_items", "customer_phones",
                  "customers", "outbox", "access_entries", "callbacks", "notes",
                  "agent_state_changes", "wrapups", "call_records"):
        op.drop_table(table)
