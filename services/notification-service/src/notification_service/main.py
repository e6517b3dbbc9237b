"""The notification-service app: reached only through Dapr service invocation and pub/sub.

Its methods are in api/routes, what it consumes in subscribers.py, the use cases in
service_layer/, the message templates in domain/ and templates/.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from dapr_common import DaprClient, DaprSettings
from dapr_common.deps import Resources
from dapr_common.postgres import Database
from dapr_common.service import DatabaseSpec, background, service_app
from notification_service import subscribers
from notification_service.api.routes import router
from notification_service.core.config import NotificationSettings
from notification_service.db.migrate import migrations
from notification_service.service_layer.email import Mailer, MailerPolicy


def create_app(
    settings: DaprSettings | None = None, config: NotificationSettings | None = None
) -> FastAPI:
    config = config or NotificationSettings()

    @asynccontextmanager
    async def startup(resources: Resources) -> AsyncIterator[None]:
        """The mailer: sends the pending mails of every replica, at least once."""
        policy = MailerPolicy(
            poll=config.email_poll_seconds,
            first_backoff=config.email_first_backoff_seconds,
            max_attempts=config.email_max_attempts,
        )
        mailer = Mailer(resources.get(Database).sessions, resources.get(DaprClient), policy)
        resources.put(mailer)
        if not config.mailer:
            yield
            return
        async with background(mailer.run(), "mailer"):
            yield

    return service_app(
        settings or DaprSettings(app_id="notification-service"),
        title="notification-service",
        summary="Notifications, in-app and by email; reached only through Dapr",
        max_body_size=256 * 1024,  # a message is at most 20,000 characters
        routers=[router, subscribers.subscriptions.router],
        database=DatabaseSpec(config, migrations),
        startup=startup,
    )


app = create_app()
