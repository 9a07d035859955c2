"""Ids of events accepted at the HTTP edge (to report duplicates to senders)."""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "ingested_events",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column(
            "ingested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.create_index("ix_ingested_events_at", "ingested_events", ["ingested_at"])


def downgrade() -> None:
    op.drop_table("ingested_events")
