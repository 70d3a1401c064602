"""customer change log: who changed which customer field, when, from what to what

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

Issue #12 finding 2: every change applied to a customer (a desktop's customer_change,
a supervisor's PUT or DELETE) is kept with its author, time, old and new values, and
shown in the customer's timeline. Changes made before this revision were not recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_change_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False,
                  comment="the server's clock"),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False,
                  comment="the author's username"),
        sa.Column("source", sa.String(length=16), nullable=False, comment="push | api"),
        sa.Column("action", sa.String(length=16), nullable=False,
                  comment="create | update | delete"),
        sa.Column("record_id", sa.Uuid(), nullable=True,
                  comment="the customer_change record, for a push"),
        sa.Column("old", JSON_DOC, nullable=False, comment="field -> value before"),
        sa.Column("new", JSON_DOC, nullable=False, comment="field -> value after"),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_customer_change_log_author_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_change_log")),
    )
    with op.batch_alter_table("customer_change_log", schema=None) as batch_op:
        batch_op.create_index("ix_customer_change_log_customer_id_changed_at",
                              ["customer_id", "changed_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer_change_log", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_change_log_customer_id_changed_at")
    op.drop_table("customer_change_log")
