"""Plays, durable timers, review items, account facts and the accounts book.

* ``plays``: the aggregate as a JSON document (``doc``) next to the columns the
  API filters and the metrics aggregate on; ``version`` for optimistic
  concurrency. At most one active play per (account, adjacent product) is a
  partial UNIQUE index, so the database itself refuses a second one.
* ``timers``: one row per (play, kind); the sweeper reads them through a
  partial index on ``due_at`` of unfired rows, so its cost follows what is due.
* ``reviews``: the manager's review items raised by the day-N timers.
* ``account_facts``: open escalations and renewals under negotiation (pausing).
* ``accounts``: the account snapshot carried by signal messages (eligible
  accounts and book ARR for the pipeline metrics).
* ``signals``: the signals seen, so a play opens with every qualified signal
  that counted towards its score (and their evidence).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0002"
down_revision = "0001"

STATES = (
    "open",
    "briefed",
    "meeting_booked",
    "discovery_done",
    "sponsor_engaged",
    "won",
    "lost",
    "paused",
    "withdrawn",
    "expired",
    "disqualified",
)
ACTIVE = (
    "state IN ('open', 'briefed', 'meeting_booked', 'discovery_done', 'sponsor_engaged', 'paused')"
)
DECIDED = "state IN ('won', 'lost', 'expired')"
TS = sa.DateTime(timezone=True)


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    state = pg.ENUM(*STATES, name="play_state", create_type=False)
    op.execute(f"CREATE TYPE play_state AS ENUM ({', '.join(repr(s) for s in STATES)})")
    op.create_table(
        "plays",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("account_name", sa.Text, nullable=False, server_default=""),
        sa.Column("adjacent_product", sa.Text, nullable=False),
        sa.Column("state", state, nullable=False),
        sa.Column("template", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("csm", sa.Text),
        sa.Column("surfaced_by", sa.Text, nullable=False),
        sa.Column("signal_type", sa.Text, nullable=False),
        sa.Column("signal_source", sa.Text, nullable=False, server_default=""),
        sa.Column("signal_note_kind", sa.Text),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("signal_occurred_at", TS, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("closed_at", TS),
        sa.Column("core_acv", sa.Float(53), nullable=False),
        sa.Column("expected_amount", sa.Float(53), nullable=False),
        sa.Column("won_amount", sa.Float(53)),
        sa.Column("at_risk", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("is_overdue", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("opportunity_id", sa.Text),
        sa.Column("crm_hygiene", sa.Text),
        sa.Column("crm_stage", sa.Text),
        sa.Column("crm_synced_at", TS),
        sa.Column("doc", pg.JSONB, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
        sa.Column("updated_at", TS, nullable=False, server_default=_now()),
    )
    # room on each page for HOT updates: a play row is rewritten on every
    # transition and timer, mostly without touching an indexed column
    op.execute("ALTER TABLE plays SET (fillfactor = 80)")
    op.create_index(
        "uq_plays_active_pair",
        "plays",
        ["account_id", "adjacent_product"],
        unique=True,
        postgresql_where=sa.text(ACTIVE),
    )
    # Listing is newest first with a keyset cursor on (opened_at, id); the
    # INCLUDE lets the metrics count opened plays and accounts from the index.
    op.create_index(
        "ix_plays_opened", "plays", ["opened_at", "id"], postgresql_include=["account_id"]
    )
    op.create_index("ix_plays_state", "plays", ["state", "opened_at", "id"])
    op.create_index("ix_plays_account", "plays", ["account_id", "opened_at", "id"])
    op.create_index("ix_plays_owner", "plays", ["owner", "opened_at", "id"])
    op.create_index(
        "ix_plays_overdue", "plays", ["opened_at", "id"], postgresql_where=sa.text("is_overdue")
    )
    op.create_index(
        "ix_plays_decided",
        "plays",
        ["closed_at"],
        postgresql_include=[
            "state",
            "surfaced_by",
            "signal_type",
            "signal_occurred_at",
            "core_acv",
            "won_amount",
        ],
        postgresql_where=sa.text(DECIDED),
    )
    op.create_index(
        "ix_plays_won",
        "plays",
        ["closed_at"],
        postgresql_include=["signal_occurred_at"],
        postgresql_where=sa.text("state = 'won'"),
    )

    op.create_table(
        "timers",
        sa.Column(
            "play_id", sa.Text, sa.ForeignKey("plays.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("fired_at", TS),
        sa.Column("created_at", TS, nullable=False, server_default=_now()),
    )
    op.create_index(
        "ix_timers_due", "timers", ["due_at"], postgresql_where=sa.text("fired_at IS NULL")
    )

    op.create_table(
        "reviews",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column(
            "play_id", sa.Text, sa.ForeignKey("plays.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("day", sa.Integer, nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.Column("phase", sa.Text),
        sa.Column("state_at_raise", sa.Text, nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("at_risk", sa.Boolean, nullable=False),
    )
    op.create_index("ix_reviews_due", "reviews", ["due_at", "id"])
    op.create_index("ix_reviews_play", "reviews", ["play_id"])

    op.create_table(
        "account_facts",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column(
            "open_escalations",
            pg.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'::text[]"),
        ),
        sa.Column(
            "renewals_negotiating",
            pg.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'::text[]"),
        ),
        sa.Column("updated_at", TS, nullable=False, server_default=_now()),
    )

    op.create_table(
        "accounts",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("core_acv", sa.Float(53), nullable=False, server_default="0"),
        sa.Column("total_acv", sa.Float(53), nullable=False, server_default="0"),
        sa.Column("first_seen_at", TS, nullable=False),
        sa.Column("as_of", TS, nullable=False),
    )
    op.create_index(
        "ix_accounts_first_seen",
        "accounts",
        ["first_seen_at"],
        postgresql_include=["total_acv", "core_acv"],
    )

    op.create_table(
        "signals",
        sa.Column("signal_id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("adjacent_product", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("ref", pg.JSONB, nullable=False),
        sa.Column("adjacent_problem", sa.Text, nullable=False, server_default=""),
        sa.Column("received_at", TS, nullable=False, server_default=_now()),
    )
    op.create_index("ix_signals_pair", "signals", ["account_id", "adjacent_product"])


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore from backup")
