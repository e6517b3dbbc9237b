"""The user's notifications, kept by notification-service and reached through invocation."""

from typing import Any

from backend.service_layer.errors import NotificationNotFound
from dapr_common import DaprClient, InvocationFailed


async def list_notifications(dapr: DaprClient, user_id: str, *, unread: bool) -> Any:
    return await dapr.invoke.get(
        "notification-service",
        f"users/{user_id}/notifications",
        params={"unread": "true" if unread else "false"},
    )


async def mark_read(dapr: DaprClient, user_id: str, notification_id: str) -> None:
    """Raises NotificationNotFound, or InvocationFailed when the answer makes no sense."""
    outcome = await dapr.invoke.post(
        "notification-service", f"users/{user_id}/notifications/{notification_id}/read"
    )
    # Not found comes back as `marked: false`, not a 404, so that no user can open the
    # circuit breaker to notification-service for everyone (components/resiliency-invocation.yaml).
    if not isinstance(outcome, dict) or not isinstance(outcome.get("marked"), bool):
        raise InvocationFailed(
            f"invoke notification-service/read: it answered {outcome!r}", status=200
        )
    if not outcome["marked"]:
        raise NotificationNotFound(notification_id)
