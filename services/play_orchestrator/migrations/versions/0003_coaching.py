"""What coaching needs from the signal messages (event-carried state).

* ``accounts.snapshot``: the latest account snapshot carried by a signal message
  (health, owners, stakeholders, the core product as seen for that signal).
* ``signals.facts`` / ``gates`` / ``flags``: the named evidence facts (metric,
  module, note text, the stakeholder added), every readiness gate with its
  result, and the decision's flags (e.g. health_yellow).
* ``adjacent_products``: the catalog's description of each adjacent product as
  last carried by a signal message, keyed by the product id the plays use.

All additive with defaults: rows written before this migration read as "not
known", and the coaching adapter falls back to its own wording.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0003"
down_revision = "0002"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("accounts", sa.Column("snapshot", pg.JSONB))
    op.add_column(
        "signals",
        sa.Column("facts", pg.JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    )
    op.add_column(
        "signals",
        sa.Column("gates", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    )
    op.add_column(
        "signals",
        sa.Column(
            "flags", pg.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'::text[]")
        ),
    )
    op.create_table(
        "adjacent_products",
        sa.Column("product_id", sa.Text, primary_key=True),
        sa.Column("info", pg.JSONB, nullable=False),
        sa.Column("as_of", TS, nullable=False),  # detected_at of the signal that carried it
        sa.Column("updated_at", TS, nullable=False, server_default=sa.text("now()")),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore from backup")
