"""Sending a notification, and a user's notifications (invoked by the backend)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from notification_service.api.deps import SIDECAR_ONLY, MailerDep, SessionDep
from notification_service.api.schemas import (
    NotificationPage,
    NotificationPublic,
    ReadOutcome,
    SendRequest,
    SendResult,
)
from notification_service.domain.paging import BadCursor
from notification_service.service_layer import notifications

router = APIRouter(dependencies=SIDECAR_ONLY)


@router.post("/send")
async def send(body: SendRequest, session: SessionDep, mailer: MailerDep) -> SendResult:
    """Store the notification (once per idempotency key), in-app at once and, when asked, its
    mail pending for the mailer (at least once, retried); `delivered` lists the channels
    that reached the user so far (email once sent: see `emailStatus` when listed)."""
    outcome = await notifications.store(session, body.command())
    if outcome.created and outcome.notification.email_status == "pending":
        mailer.wake()
    delivered = notifications.delivered(outcome.notification)
    return SendResult(id=outcome.notification.id, delivered=delivered)  # type: ignore[arg-type]


@router.get("/users/{user_id}/notifications")
async def list_notifications(
    user_id: str,
    session: SessionDep,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> NotificationPage:
    try:
        items, next_cursor = await notifications.list_for(
            session, user_id, unread=unread, limit=limit, cursor=cursor
        )
    except BadCursor as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return NotificationPage(
        items=[NotificationPublic.of(n) for n in items], next_cursor=next_cursor
    )


@router.post("/users/{user_id}/notifications/{notification_id}/read", response_model_by_alias=True)
async def read(user_id: str, notification_id: str, session: SessionDep) -> ReadOutcome:
    """`marked: false` when the user has no such notification (see ReadOutcome)."""
    return ReadOutcome(marked=await notifications.mark_read(session, user_id, notification_id))
