"""Callbacks: a state (open, done, cancelled) and a number for callers with no file.

A promise is kept or cancelled, never deleted: `status` and `closed_at` record when,
and the "My callbacks" list shows only open ones. A caller the center does not know
yet can still be promised a callback: `customer_id` becomes optional and
`callback_number` carries the number to call. Existing callbacks are open.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.alter_column("customer_id", existing_type=sa.String(100), nullable=True)
        batch.add_column(sa.Column("callback_number", sa.String(20), nullable=True))
        batch.add_column(sa.Column("status", sa.String(10), nullable=False,
                                   server_default=sa.text("'open'")))
        batch.add_column(sa.Column("closed_at", sa.String(32), nullable=True))
    # the list of open callbacks, soonest first
    op.create_index("ix_callbacks_status_due_at", "callbacks", ["status", "due_at"])


def downgrade() -> None:
    op.drop_index("ix_callbacks_status_due_at", table_name="callbacks")
    op.execute("DELETE FROM callbacks WHERE customer_id IS NULL")
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("status")
        batch.drop_column("callback_number")
        batch.alter_column("customer_id", existing_type=sa.String(100), nullable=False)
