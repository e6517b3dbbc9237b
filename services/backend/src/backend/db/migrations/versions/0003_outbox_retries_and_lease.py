"""outbox: per-row retry (next_attempt_at) and parking (parked_at); relay_lease

Expand only: new nullable columns and a new table, so the release before this one runs on
this schema unchanged. While a rollout runs both, the old relay (its advisory lock) and the
new one (this lease) do not exclude each other: an event may go out twice for that while
(consumers deduplicate by event id) and a user's events may cross.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("next_attempt_at", sa.DateTime(timezone=True)))
    op.add_column("outbox", sa.Column("parked_at", sa.DateTime(timezone=True)))
    op.create_table(
        "relay_lease",
        sa.Column("name", sa.String(length=50), primary_key=True),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("relay_lease")
    op.drop_column("outbox", "parked_at")
    op.drop_column("outbox", "next_attempt_at")
