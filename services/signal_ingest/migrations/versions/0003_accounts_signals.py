"""Per-account state and the signals read model.

``account_state.state`` is the domain's JSON state document (format "v": 1,
see ``domain/codec.py``) encoded with orjson and stored as bytea: the service
never queries inside it, and bytea skips the server-side JSON parse on every
write of the hot path. ``version`` goes up by one on every write; writers
check it (optimistic concurrency) and the in-process state cache checks it
(with the row's xmin) before trusting what it holds.

``signals`` serves the API (filters + keyset pagination over
``(detected_at desc, id desc)``) and the consumer's per-account load of the
signals that can still change or count: suppressed ones, and qualified ones
inside the play window.
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0003"
down_revision = "0002"

STATUSES = ("qualified", "suppressed", "stale")


def upgrade() -> None:
    op.create_table(
        "account_state",
        sa.Column("account_id", sa.Text, primary_key=True),
        sa.Column("state", sa.LargeBinary, nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    # A state document is a few KiB of JSON. Left to the defaults, every write
    # above ~2 KiB goes through pglz compression, which measured ~70 us per row
    # against ~40 us stored inline uncompressed: keep rows up to a page inline.
    op.execute("ALTER TABLE account_state SET (toast_tuple_target = 8160)")
    op.create_table(
        "signals",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("adjacent_product", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column(
            "suppression_reasons",
            pg.ARRAY(sa.Text),
            nullable=False,
            server_default=sa.text("'{}'::text[]"),
        ),
        sa.Column("flags", pg.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("evidence", pg.JSONB, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("surfaced_by", sa.Text, nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("needs_verification", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("event_id", sa.Text, nullable=False, server_default=""),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.CheckConstraint(
            "status IN ('qualified', 'suppressed', 'stale')", name="ck_signals_status"
        ),
    )
    # Keyset pagination, unfiltered and per filter: (filter, detected_at desc, id desc).
    op.create_index(
        "ix_signals_detected", "signals", [sa.text("detected_at DESC"), sa.text("id DESC")]
    )
    for column in ("account_id", "status", "type", "adjacent_product"):
        op.create_index(
            f"ix_signals_{column}",
            "signals",
            [column, sa.text("detected_at DESC"), sa.text("id DESC")],
        )
    # The sweep's work list: accounts holding suppressed signals.
    op.create_index(
        "ix_signals_suppressed",
        "signals",
        ["account_id"],
        postgresql_where=sa.text("status = 'suppressed'"),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore from backup")
