"""Storing, listing and reading notifications; one per idempotency key."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notification_service.db.models import (
    MESSAGE_MAX,
    TITLE_MAX,
    Notification,
    ProcessedEvent,
    Recipient,
)
from notification_service.domain import templates
from notification_service.domain.paging import decode_cursor, encode_cursor
from notification_service.domain.templates import Message


@dataclass(frozen=True)
class SendNotification:
    """The command: one notification of `type` for `user_id`, with either the caller's own
    `title` (and `message`) or `data` for the type's template, rendered in `timezone`
    (default: the user's own)."""

    user_id: str
    type: str
    channels: tuple[str, ...] = ("in-app",)
    title: str | None = None
    message: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)
    timezone: str | None = None
    task_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Outcome:
    notification: Notification
    created: bool  # False: an earlier request or event made it (idempotency key / event id)
    message: Message | None = None  # the rendered texts, when created now


async def recipient(session: AsyncSession, user_id: str) -> Recipient | None:
    return await session.get(Recipient, user_id)


def compose(command: SendNotification, who: Recipient | None) -> Message:
    """The texts of `command`: the caller's own title and message, or its type's template."""
    name = who.display_name if who else "there"
    timezone = command.timezone or (who.timezone if who else "UTC")
    if command.title is not None:
        return templates.render(
            "custom", name=name, timezone=timezone, title=command.title, message=command.message
        )
    return templates.render(command.type, name=name, timezone=timezone, **dict(command.data))


async def store(
    session: AsyncSession, command: SendNotification, *, event: ProcessedEvent | None = None
) -> Outcome:
    """Store the notification for `command` once: per idempotency key, and per event id when
    `event` is given (its processed-event row commits in the same transaction)."""
    if command.idempotency_key is not None:
        existing = await _by_key(session, command.idempotency_key)
        if existing is not None:
            return Outcome(existing, created=False)
    message = compose(command, await recipient(session, command.user_id))
    notification = Notification(
        user_id=command.user_id,
        type=command.type,
        title=message.title[:TITLE_MAX],
        message=message.text[:MESSAGE_MAX],
        channels=list(command.channels),
        task_id=command.task_id,
        idempotency_key=command.idempotency_key,
    )
    if "email" in command.channels:  # the mailer sends it (service_layer/email.py)
        notification.email_status, notification.email_body = "pending", message.html
    if event is not None:
        session.add(event)
    session.add(notification)
    try:
        await session.commit()
    except IntegrityError:
        # The event was processed before, or a concurrent call with the same key won.
        await session.rollback()
        if command.idempotency_key is not None:
            winner = await _by_key(session, command.idempotency_key)
            if winner is not None:
                return Outcome(winner, created=False)
        if event is not None and await session.get(ProcessedEvent, event.event_id) is not None:
            return Outcome(notification, created=False)
        raise
    return Outcome(notification, created=True, message=message)


async def _by_key(session: AsyncSession, key: str) -> Notification | None:
    result = await session.exec(select(Notification).where(Notification.idempotency_key == key))
    return result.first()


def delivered(notification: Notification) -> list[str]:
    """The channels that reached the user so far: in-app at once, email once sent."""
    out = ["in-app"] if "in-app" in notification.channels else []
    if notification.email_status == "sent":
        out.append("email")
    return out


async def list_for(
    session: AsyncSession, user_id: str, *, unread: bool, limit: int, cursor: str | None
) -> tuple[list[Notification], str | None]:
    """Newest first, keyset-paged."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread:
        stmt = stmt.where(col(Notification.read_at).is_(None))
    if cursor:
        created, nid = decode_cursor(cursor)
        stmt = stmt.where(
            tuple_(col(Notification.created_at), col(Notification.id)) < (created, nid)
        )
    stmt = stmt.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    rows = list((await session.exec(stmt.limit(limit + 1))).all())
    items = rows[:limit]
    return items, encode_cursor(items[-1].created_at, items[-1].id) if len(rows) > limit else None


async def mark_read(session: AsyncSession, user_id: str, notification_id: str) -> bool:
    """False when there is no such notification for this user."""
    notification = await session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        return False
    if notification.read_at is None:
        notification.read_at = datetime.now(UTC)
        session.add(notification)
        await session.commit()
    return True
