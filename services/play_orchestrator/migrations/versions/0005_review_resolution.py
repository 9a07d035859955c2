"""A review's resolution: the manager's outcome and note, who and when.

Additive: reviews raised before this migration read as not resolved.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("reviews", sa.Column("resolved_at", TS))
    op.add_column("reviews", sa.Column("resolved_by", sa.Text))
    op.add_column("reviews", sa.Column("outcome", sa.Text))
    op.add_column("reviews", sa.Column("note", sa.Text))


def downgrade() -> None:
    for column in ("note", "outcome", "resolved_by", "resolved_at"):
        op.drop_column("reviews", column)
