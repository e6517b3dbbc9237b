"""known tasks keep the task's version (from its events), to keep the newest announcement

Expand only: a nullable column, which a release that predates it neither reads nor writes.

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
    op.add_column("known_tasks", sa.Column("version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("known_tasks", "version")
