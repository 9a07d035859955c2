"""The broker epoch this service last published to, and its last completed drain."""

from alembic import op

from shared.db.messaging_tables import create_broker_epoch_table

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    create_broker_epoch_table()


def downgrade() -> None:
    op.drop_table("broker_epoch")
