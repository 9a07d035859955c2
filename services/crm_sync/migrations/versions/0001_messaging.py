"""Inbox and outbox tables."""

from shared.db.messaging_tables import create_messaging_tables

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_messaging_tables()


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported; restore from backup")
