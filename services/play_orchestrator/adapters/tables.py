"""SQLAlchemy Core tables of the service schema (created by ``migrations/``).

Tables carry no schema qualifier: the connection's ``search_path`` is the
service schema. Hot-path writes use set-based SQL (``jsonb_to_recordset``,
``unnest``) in the adapters; these objects serve the read side.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from services.play_orchestrator.domain import ACTIVE_STATES, PlayState

metadata = sa.MetaData()
TS = sa.DateTime(timezone=True)

play_state = pg.ENUM(
    *[s.value for s in PlayState], name="play_state", create_type=False, metadata=metadata
)
# SQL literals for predicates that must match the partial indexes' text.
ACTIVE_SQL = "(" + ", ".join(f"'{s.value}'" for s in PlayState if s in ACTIVE_STATES) + ")"
DECIDED_SQL = "('won', 'lost', 'expired')"

plays = sa.Table(
    "plays",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("account_id", sa.Text, nullable=False),
    sa.Column("account_name", sa.Text, nullable=False),
    sa.Column("adjacent_product", sa.Text, nullable=False),
    sa.Column("state", play_state, nullable=False),
    sa.Column("template", sa.Text, nullable=False),
    sa.Column("owner", sa.Text),
    sa.Column("csm", sa.Text),
    sa.Column("surfaced_by", sa.Text, nullable=False),
    sa.Column("signal_type", sa.Text, nullable=False),
    sa.Column("signal_source", sa.Text, nullable=False),
    sa.Column("signal_note_kind", sa.Text),
    sa.Column("opened_at", TS, nullable=False),
    sa.Column("signal_occurred_at", TS, nullable=False),
    sa.Column("deadline", TS, nullable=False),
    sa.Column("closed_at", TS),
    sa.Column("core_acv", sa.Float(53), nullable=False),
    sa.Column("expected_amount", sa.Float(53), nullable=False),
    sa.Column("won_amount", sa.Float(53)),
    sa.Column("at_risk", sa.Boolean, nullable=False),
    sa.Column("is_overdue", sa.Boolean, nullable=False),
    sa.Column("opportunity_id", sa.Text),
    sa.Column("crm_hygiene", sa.Text),
    sa.Column("crm_stage", sa.Text),
    sa.Column("crm_synced_at", TS),
    sa.Column("doc", pg.JSONB, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
)

timers = sa.Table(
    "timers",
    metadata,
    sa.Column("play_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("due_at", TS, nullable=False),
    sa.Column("fired_at", TS),
)

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("play_id", sa.Text, nullable=False),
    sa.Column("account_id", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("day", sa.Integer, nullable=False),
    sa.Column("due_at", TS, nullable=False),
    sa.Column("raised_at", TS, nullable=False),
    sa.Column("phase", sa.Text),
    sa.Column("state_at_raise", sa.Text, nullable=False),
    sa.Column("deadline", TS, nullable=False),
    sa.Column("at_risk", sa.Boolean, nullable=False),
    sa.Column("resolved_at", TS),
    sa.Column("resolved_by", sa.Text),
    sa.Column("outcome", sa.Text),
    sa.Column("note", sa.Text),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("account_id", sa.Text, primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("core_acv", sa.Float(53), nullable=False),
    sa.Column("total_acv", sa.Float(53), nullable=False),
    sa.Column("first_seen_at", TS, nullable=False),
    sa.Column("as_of", TS, nullable=False),
    sa.Column("snapshot", pg.JSONB),  # the latest AccountSnapshot (health, owners, ...)
)

adjacent_products = sa.Table(
    "adjacent_products",
    metadata,
    sa.Column("product_id", sa.Text, primary_key=True),
    sa.Column("info", pg.JSONB, nullable=False),  # AdjacentProductInfo: name, solves, ...
    sa.Column("as_of", TS, nullable=False),
)
