"""notification-service's tables."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

TITLE_MAX = 300
MESSAGE_MAX = 20_000


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_created", "user_id", "created_at"),
        Index(
            "ix_notifications_email_pending",
            "created_at",
            postgresql_where="email_status = 'pending'",
        ),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(max_length=36)
    type: str = Field(max_length=20)
    title: str = Field(max_length=TITLE_MAX)
    message: str = Field(default="", max_length=MESSAGE_MAX)
    channels: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(10)), nullable=False)
    )
    task_id: str | None = Field(default=None, max_length=36)
    # The same key twice makes one notification.
    idempotency_key: str | None = Field(
        default=None, max_length=200, sa_column_kwargs={"unique": True}
    )
    # The email channel (service_layer/email.py): None (not asked), "pending" (committed with
    # the notification, the mail in `email_body`), "sent", or "failed" after MAX_ATTEMPTS
    # tries (the last error in email_error, which a pending one may carry too).
    email_status: str | None = Field(default=None, max_length=10)
    email_error: str | None = Field(default=None, max_length=1000)
    email_body: str | None = Field(default=None, sa_column=Column(Text))
    email_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    email_next_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    email_claimed_until: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    read_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ProcessedEvent(SQLModel, table=True):
    """A CloudEvent id whose effect is done, written in the same transaction as the effect."""

    __tablename__ = "processed_events"

    event_id: str = Field(primary_key=True, max_length=200)
    topic: str = Field(max_length=100)
    processed_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Recipient(SQLModel, table=True):
    """Who a user is, for addressing them: learnt from `user.registered`."""

    __tablename__ = "recipients"

    user_id: str = Field(primary_key=True, max_length=36)
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    channels: list[str] = Field(
        default_factory=lambda: ["in-app"], sa_column=Column(ARRAY(String(10)), nullable=False)
    )
    registered_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class KnownTask(SQLModel, table=True):
    """A task's title and due date as last announced (`task.created` / `task.updated`), so
    that a `task_completed` message can name the task; the backend stays the owner."""

    __tablename__ = "known_tasks"

    task_id: str = Field(primary_key=True, max_length=36)
    user_id: str = Field(max_length=36)
    title: str = Field(max_length=TITLE_MAX)
    due_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    version: int | None = Field(default=None)  # the task's, from its events (migration 0003)


class DeadLetter(SQLModel, table=True):
    """An event some subscriber gave up on, one row per (event id, original topic)."""

    __tablename__ = "dead_letters"
    __table_args__ = (UniqueConstraint("event_id", "original_topic"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    topic: str = Field(max_length=100)
    original_topic: str = Field(max_length=100)
    event_id: str = Field(max_length=200)
    # The whole CloudEvent as it was dead-lettered: replay publishes it back unchanged.
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    error: str | None = Field(default=None, max_length=2000)
    # Arrivals on a dead-letter topic: one per subscriber that gave up, each time it failed.
    times_dead_lettered: int = Field(default=1)
    received_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    replayed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
