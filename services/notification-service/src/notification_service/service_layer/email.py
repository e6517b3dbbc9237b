"""The email channel: one mail per notification through the Dapr SMTP output binding."""

import logging

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from dapr_common import DaprClient, DaprError
from notification_service.domain.templates import Message
from notification_service.service_layer.notifications import (
    Outcome,
    delivered,
    recipient,
    record_email,
)

log = logging.getLogger(__name__)

BINDING = "smtp"


async def send(dapr: DaprClient, to: str, message: Message) -> str | None:
    """Hand the mail to the relay; None when it took it, else why not."""
    try:
        await dapr.bindings.invoke(
            BINDING, "create", message.html, metadata={"emailTo": to, "subject": message.title}
        )
    except DaprError as exc:
        log.warning("email to user could not be sent: %s", exc)
        return str(exc) or type(exc).__name__
    return None


async def deliver(
    sessions: async_sessionmaker[AsyncSession], dapr: DaprClient, outcome: Outcome
) -> list[str]:
    """Send the email of a notification created just now, record how it went; the channels
    that reached the user."""
    notification = outcome.notification
    if outcome.created and outcome.message is not None and "email" in notification.channels:
        async with sessions() as session:
            who = await recipient(session, notification.user_id)
            error = (
                "no email address is known for this user"
                if who is None
                else await send(dapr, who.email, outcome.message)
            )
            await record_email(session, notification, "failed" if error else "sent", error)
    return delivered(notification)
