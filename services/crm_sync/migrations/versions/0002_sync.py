"""crm_sync state: the Opportunity of each play, the durable Salesforce write queue,
the review/deadline/hygiene Tasks and the Salesforce notifications already seen."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"

_NOW = sa.text("now()")
_EMPTY = sa.text("'{}'::jsonb")


def upgrade() -> None:
    op.create_table(
        "opportunities",
        sa.Column("play_id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),  # our account id (message key)
        sa.Column("opportunity_id", sa.Text, nullable=True),
        sa.Column("desired", pg.JSONB, nullable=False, server_default=_EMPTY),
        # every field we wrote and Salesforce acknowledged (roll-backs and hygiene too)
        sa.Column("last_written", pg.JSONB, nullable=False, server_default=_EMPTY),
        # what the writer is sending right now: an echo may beat our commit
        sa.Column("inflight", pg.JSONB, nullable=False, server_default=_EMPTY),
        sa.Column("sf_current", pg.JSONB, nullable=False, server_default=_EMPTY),
        sa.Column("known_stage", sa.Text, nullable=True),
        sa.Column("hygiene", sa.Text, nullable=True),
        sa.Column("play_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    )
    op.create_index(
        "ux_opportunities_opportunity_id",
        "opportunities",
        ["opportunity_id"],
        unique=True,
        postgresql_where=sa.text("opportunity_id IS NOT NULL"),
    )

    op.create_table(
        "sf_writes",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),  # opportunity | task
        sa.Column("key", sa.Text, nullable=False),  # play id | task key
        sa.Column("play_id", sa.Text, nullable=False),
        sa.Column("payload", pg.JSONB, nullable=False, server_default=_EMPTY),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Text, nullable=False, server_default="pending"),
        sa.Column("last_error_code", sa.Text, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('opportunity', 'task')", name="ck_sf_writes_kind"),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed')", name="ck_sf_writes_status"),
    )
    op.create_index("ix_sf_writes_due", "sf_writes", ["status", "next_attempt_at"])
    # Coalescing: at most one pending write per record; later changes update it.
    op.create_index(
        "ux_sf_writes_pending",
        "sf_writes",
        ["kind", "key"],
        unique=True,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_sf_writes_done_at",
        "sf_writes",
        ["done_at"],
        postgresql_where=sa.text("done_at IS NOT NULL"),
    )

    op.create_table(
        "tasks",
        sa.Column("task_key", sa.Text, primary_key=True),
        sa.Column("play_id", sa.Text, nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("task_id", sa.Text, nullable=True),
        sa.Column("open", sa.Boolean, nullable=False),
        sa.Column("fields", pg.JSONB, nullable=False, server_default=_EMPTY),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
    )
    op.create_index("ix_tasks_play_id", "tasks", ["play_id"])

    op.create_table(
        "sf_notifications",
        sa.Column("notification_id", sa.Text, primary_key=True),
        sa.Column("source", sa.Text, nullable=False),  # outbound | webhook
        sa.Column("opportunity_id", sa.Text, nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False, server_default=_NOW),
        sa.Column("fields", pg.JSONB, nullable=False, server_default=_EMPTY),
    )
    op.create_index("ix_sf_notifications_received_at", "sf_notifications", ["received_at"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore from backup")
