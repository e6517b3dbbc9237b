"""email at least once: a notification keeps its pending mail until the relay took it

Expand only: nullable columns (and one with a server default), which a release that
predates them neither reads nor writes (it sends inline and writes "sent" or "failed"). Undone
to such a release, the mails still pending then are not sent (it has no mailer) until this
release runs again.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("email_body", sa.Text(), nullable=True))
    op.add_column(
        "notifications",
        sa.Column("email_attempts", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "notifications",
        sa.Column("email_next_attempt_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "notifications",
        sa.Column("email_claimed_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_notifications_email_pending",
        "notifications",
        ["created_at"],
        postgresql_where=sa.text("email_status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_email_pending", table_name="notifications")
    for column in ("email_claimed_until", "email_next_attempt_at", "email_attempts", "email_body"):
        op.drop_column("notifications", column)
