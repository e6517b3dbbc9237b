"""users.channels gets back its server default, so a release before 0002 (which inserts users
without channels) can still register users on this schema: expand/contract

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("users", "channels", server_default="{in-app}")


def downgrade() -> None:
    op.alter_column("users", "channels", server_default=None)
