"""The notification-service app: reached only through Dapr service invocation and pub/sub.

Its methods are in api/routes, what it consumes in subscribers.py, the use cases in
service_layer/, the message templates in domain/ and templates/.
"""

from fastapi import FastAPI

from dapr_common import DaprSettings
from dapr_common.service import DatabaseSpec, service_app
from notification_service import subscribers
from notification_service.api.routes import router
from notification_service.core.config import NotificationSettings
from notification_service.db.migrate import migrations


def create_app(
    settings: DaprSettings | None = None, config: NotificationSettings | None = None
) -> FastAPI:
    return service_app(
        settings or DaprSettings(app_id="notification-service"),
        title="notification-service",
        summary="Notifications, in-app and by email; reached only through Dapr",
        max_body_size=256 * 1024,  # a message is at most 20,000 characters
        routers=[router, subscribers.subscriptions.router],
        database=DatabaseSpec(config or NotificationSettings(), migrations),
    )


app = create_app()
