"""users.channels: how a user wants to be told things, chosen at registration

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column(
            "channels",
            postgresql.ARRAY(sa.String(length=10)),
            nullable=False,
            server_default="{in-app}",
        ),
    )
    op.alter_column("users", "channels", server_default=None)


def downgrade() -> None:
    op.drop_column("users", "channels")
