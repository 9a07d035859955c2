"""SQLAlchemy Core tables of signal_ingest (created by migration 0003)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

metadata = sa.MetaData()

account_state = sa.Table(
    "account_state",
    metadata,
    sa.Column("account_id", sa.Text, primary_key=True),
    sa.Column("state", sa.LargeBinary, nullable=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

signals = sa.Table(
    "signals",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Text, nullable=False),
    sa.Column("adjacent_product", sa.Text, nullable=False),
    sa.Column("type", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("suppression_reasons", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("flags", pg.ARRAY(sa.Text), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("evidence", pg.JSONB, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("surfaced_by", sa.Text, nullable=False),
    sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("needs_verification", sa.Boolean, nullable=False),
    sa.Column("event_id", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

SIGNAL_COLUMNS = (
    "id, account_id, adjacent_product, type, status, suppression_reasons, flags, score, "
    "evidence, source, surfaced_by, detected_at, needs_verification, event_id"
)
