"""SQLAlchemy Core tables of crm_sync (created by migrations/versions/0002_sync.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

metadata = sa.MetaData()

opportunities = sa.Table(
    "opportunities",
    metadata,
    sa.Column("play_id", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Text, nullable=False),
    sa.Column("opportunity_id", sa.Text),
    sa.Column("desired", pg.JSONB, nullable=False),
    sa.Column("last_written", pg.JSONB, nullable=False),
    sa.Column("inflight", pg.JSONB, nullable=False),
    sa.Column("sf_current", pg.JSONB, nullable=False),
    sa.Column("known_stage", sa.Text),
    sa.Column("hygiene", sa.Text),
    sa.Column("play_event_at", sa.DateTime(timezone=True)),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

sf_writes = sa.Table(
    "sf_writes",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("play_id", sa.Text, nullable=False),
    sa.Column("payload", pg.JSONB, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("last_error_code", sa.Text),
    sa.Column("last_error", sa.Text),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("done_at", sa.DateTime(timezone=True)),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("task_key", sa.Text, primary_key=True),
    sa.Column("play_id", sa.Text, nullable=False),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("task_id", sa.Text),
    sa.Column("open", sa.Boolean, nullable=False),
    sa.Column("fields", pg.JSONB, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

sf_notifications = sa.Table(
    "sf_notifications",
    metadata,
    sa.Column("notification_id", sa.Text, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("opportunity_id", sa.Text),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("fields", pg.JSONB, nullable=False),
)
