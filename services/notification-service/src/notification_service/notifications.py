"""Storing, listing and reading notifications; one per idempotency key."""

import base64
import binascii
import json
from datetime import UTC, datetime

from sqlalchemy import tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from notification_service.api.schemas import SendRequest
from notification_service.db.models import Notification


class BadCursor(ValueError):
    """The cursor was not made by this service."""


async def store(session: AsyncSession, request: SendRequest) -> Notification:
    """The notification for `request`; with an idempotency key seen before, the first one."""
    if request.idempotency_key is not None:
        existing = await _by_key(session, request.idempotency_key)
        if existing is not None:
            return existing
    notification = Notification(
        user_id=request.user_id,
        type=request.type,
        title=request.title,
        message=request.message,
        channels=list(request.channels),
        task_id=request.task_id,
        idempotency_key=request.idempotency_key,
    )
    session.add(notification)
    try:
        await session.commit()
    except IntegrityError:
        # A concurrent call with the same key won the insert: answer with its notification.
        await session.rollback()
        assert request.idempotency_key is not None
        winner = await _by_key(session, request.idempotency_key)
        assert winner is not None
        return winner
    return notification


async def _by_key(session: AsyncSession, key: str) -> Notification | None:
    result = await session.exec(select(Notification).where(Notification.idempotency_key == key))
    return result.first()


def encode_cursor(n: Notification) -> str:
    raw = json.dumps({"k": n.created_at.isoformat(), "i": n.id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str) -> tuple[datetime, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return datetime.fromisoformat(data["k"]), str(data["i"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise BadCursor("cursor is not valid") from exc


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
    return items, encode_cursor(items[-1]) if len(rows) > limit else None


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
