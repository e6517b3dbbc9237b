"""The backend's tables. Column limits here are the API's limits too."""

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, Identity, Index, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field, SQLModel

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
TAG_MAX = 40
TAGS_MAX = 20
EMAIL_MAX = 254
NAME_MAX = 100


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    email: str = Field(max_length=EMAIL_MAX, sa_column_kwargs={"unique": True})
    password_hash: str = Field(max_length=200)
    display_name: str = Field(max_length=NAME_MAX)
    timezone: str = Field(default="UTC", max_length=64)
    # How the user wants to be told things, until preferences say otherwise.
    channels: list[str] = Field(
        default_factory=lambda: ["in-app"],
        # The server default too: a release that predates the column can still insert users.
        sa_column=Column(ARRAY(String(10)), nullable=False, server_default="{in-app}"),
    )
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_user_open_due", "user_id", "completed_at", "due_at"),
        Index("ix_tasks_user_created", "user_id", "created_at"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(foreign_key="users.id", max_length=36, ondelete="CASCADE")
    title: str = Field(max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    priority: str = Field(default="medium", max_length=10)
    tags: list[str] = Field(
        default_factory=list, sa_column=Column(ARRAY(String(TAG_MAX)), nullable=False)
    )
    due_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    remind_before_minutes: int = Field(default=30)
    recurrence: str | None = Field(default=None, max_length=10)
    completed_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    next_task_id: str | None = Field(default=None, max_length=36)
    # Bumped on every write; the API's ETag.
    version: int = Field(default=1)
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class OutboxEvent(SQLModel, table=True):
    """An event written in the same transaction as the change it reports; the relay
    publishes pending rows in `seq` order with the CloudEvent id = `id`."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "seq", postgresql_where="sent_at IS NULL"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    seq: int | None = Field(
        default=None,
        sa_column=Column(BigInteger, Identity(always=True), nullable=False, unique=True),
    )
    topic: str = Field(max_length=100)
    partition_key: str = Field(max_length=36)
    payload: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    sent_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    attempts: int = Field(default=0)
    last_error: str | None = Field(default=None, max_length=2000)
    # A refused row waits until then before its next try (jittered backoff, per row)...
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True))
    )
    # ...and is parked (left out, for an operator) after the relay's `park_after` refusals.
    parked_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class RelayLease(SQLModel, table=True):
    """Which backend replica relays the outbox: one at a time, until `expires_at` (renewed on
    every pass, held across no transaction); a holder that stalls or dies loses it then."""

    __tablename__ = "relay_lease"

    name: str = Field(primary_key=True, max_length=50)
    holder: str = Field(max_length=200)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
