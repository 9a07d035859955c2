"""The ingest journal: every accepted event, durably, before the answer.

PostgreSQL is the system of record and the broker only transport (SPEC
section 3): the edge writes accepted events here in the transaction that
records their ids, answers 202, and a relay publishes them to
``crosssell.events`` in journal order. Sent rows are kept (for repair after a
broker that forgot, ``crosssell replay`` and ``crosssell backtest``) and pruned
by age. The journal replaces ``ingested_events``: ids accepted before it stay
here without a body (``value`` NULL), for duplicate detection only.
"""

import sqlalchemy as sa
from alembic import op

from shared.db.messaging_tables import create_broker_epoch_table

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    op.create_table(
        "ingest_journal",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("value", sa.LargeBinary, nullable=True),
        sa.Column(
            "accepted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("source", "event_id", name="uq_ingest_journal_event"),
    )
    op.create_index(
        "ix_ingest_journal_unsent",
        "ingest_journal",
        ["id"],
        postgresql_where=sa.text("sent_at IS NULL"),
    )
    op.create_index(
        "ix_ingest_journal_sent_at",
        "ingest_journal",
        ["sent_at"],
        postgresql_where=sa.text("sent_at IS NOT NULL"),
    )
    op.create_index("ix_ingest_journal_accepted_at", "ingest_journal", ["accepted_at"])
    op.execute(
        """
        INSERT INTO ingest_journal (source, event_id, account_id, type, value, accepted_at, sent_at)
        SELECT source, event_id, '', '', NULL, ingested_at, ingested_at FROM ingested_events
        """
    )
    op.drop_table("ingested_events")
    op.execute(
        """
        CREATE FUNCTION ingest_journal_notify() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify('ingest_journal_' || TG_TABLE_SCHEMA, '');
          RETURN NULL;
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER ingest_journal_inserted AFTER INSERT OR UPDATE OF sent_at "
        "ON ingest_journal FOR EACH STATEMENT EXECUTE FUNCTION ingest_journal_notify()"
    )
    create_broker_epoch_table()


def downgrade() -> None:
    op.drop_table("broker_epoch")
    op.execute("DROP TRIGGER ingest_journal_inserted ON ingest_journal")
    op.execute("DROP FUNCTION ingest_journal_notify()")
    op.create_table(
        "ingested_events",
        sa.Column("source", sa.Text, primary_key=True),
        sa.Column("event_id", sa.Text, primary_key=True),
        sa.Column(
            "ingested_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    )
    op.execute(
        "INSERT INTO ingested_events (source, event_id, ingested_at) "
        "SELECT source, event_id, accepted_at FROM ingest_journal"
    )
    op.drop_table("ingest_journal")
