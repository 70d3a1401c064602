"""Call records: routing (queue, dialed number, campaign), hold time, script outcome.

Personal figures need hold time, script analytics need the objections raised and the
fields captured, and reports slice by queue and campaign. Older rows get the neutral
values (no hold, no objections, nothing captured). Two indexes serve the period query
of the dashboard and the customer file's local timeline.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_NEW_COLUMNS = ("queue", "dialed_number", "campaign_id", "hold_seconds",
                "script_objections", "script_captured")


def upgrade() -> None:
    op.add_column("call_records", sa.Column("queue", sa.String(100), nullable=True))
    op.add_column("call_records", sa.Column("dialed_number", sa.String(100), nullable=True))
    op.add_column("call_records", sa.Column("campaign_id", sa.String(100), nullable=True))
    op.add_column("call_records", sa.Column("hold_seconds", sa.Float(), nullable=False,
                                            server_default=sa.text("0")))
    op.add_column("call_records", sa.Column("script_objections", sa.JSON(), nullable=False,
                                            server_default=sa.text("'[]'")))
    op.add_column("call_records", sa.Column("script_captured", sa.JSON(), nullable=False,
                                            server_default=sa.text("'{}'")))
    op.create_index("ix_call_records_started_at", "call_records", ["started_at"])
    op.create_index("ix_call_records_customer_timeline", "call_records",
                    ["customer_id", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_call_records_customer_timeline", table_name="call_records")
    op.drop_index("ix_call_records_started_at", table_name="call_records")
    with op.batch_alter_table("call_records") as batch:
        for column in reversed(_NEW_COLUMNS):
            batch.drop_column(column)
