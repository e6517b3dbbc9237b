"""email outcome, recipients, known tasks, one dead letter per (event, topic)

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
    op.add_column("notifications", sa.Column("email_status", sa.String(length=10), nullable=True))
    op.add_column("notifications", sa.Column("email_error", sa.String(length=1000), nullable=True))
    op.create_table(
        "recipients",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("channels", postgresql.ARRAY(sa.String(length=10)), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "known_tasks",
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("task_id"),
    )
    op.add_column(
        "dead_letters",
        sa.Column("times_dead_lettered", sa.Integer(), nullable=False, server_default="1"),
    )
    op.alter_column("dead_letters", "times_dead_lettered", server_default=None)
    op.create_unique_constraint(
        "dead_letters_event_id_original_topic_key", "dead_letters", ["event_id", "original_topic"]
    )


def downgrade() -> None:
    op.drop_constraint("dead_letters_event_id_original_topic_key", "dead_letters")
    op.drop_column("dead_letters", "times_dead_lettered")
    op.drop_table("known_tasks")
    op.drop_table("recipients")
    op.drop_column("notifications", "email_error")
    op.drop_column("notifications", "email_status")
