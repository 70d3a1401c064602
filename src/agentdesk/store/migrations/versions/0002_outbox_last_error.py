"""Outbox: keep the last push error, and index the pending scan.

The status bar shows why records are still pending ("server refused: ..."), and the
sync client's "pushed_at IS NULL ORDER BY seq" stays an index walk as pushed rows pile up.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("last_error", sa.Text(), nullable=True))
    op.create_index("ix_outbox_pending", "outbox", ["pushed_at", "seq"])


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("last_error")
