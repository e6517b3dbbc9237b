"""The notification-service app: reached only through Dapr service invocation and pub/sub.

`create_app` is the composition root: settings, the Dapr client, the database engine.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response, status

from dapr_common import DaprClient, DaprSettings, health_router, require_app_token
from dapr_common.postgres import database_ready, make_engine, session_factory
from notification_service import events, notifications
from notification_service.api.schemas import (
    NotificationPage,
    NotificationPublic,
    SendRequest,
    SendResult,
)
from notification_service.core.config import NotificationSettings
from notification_service.db.migrate import migrations


def create_app(
    settings: DaprSettings | None = None, config: NotificationSettings | None = None
) -> FastAPI:
    dapr_settings = settings or DaprSettings(app_id="notification-service")
    conf = config or NotificationSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with DaprClient(dapr_settings) as dapr:
            app.state.dapr = dapr
            await dapr.wait_until_ready()
            password = await dapr.secrets.value(conf.postgres_password_secret)
            engine = make_engine(conf.database_url(password), conf.postgres_pool_size)
            await migrations.ensure_current(engine)
            app.state.engine = engine
            app.state.sessions = session_factory(engine)
            try:
                yield
            finally:
                await engine.dispose()

    app = FastAPI(title="notification-service", lifespan=lifespan)
    app.state.dapr_settings = dapr_settings
    app.include_router(health_router({"database": database_ready}))
    app.include_router(events.subscriptions.router)  # GET /dapr/subscribe + handlers
    sidecar_only = [Depends(require_app_token)]

    @app.post("/send", dependencies=sidecar_only)
    async def send(body: SendRequest, request: Request) -> SendResult:
        """Store the notification (once per idempotency key) and deliver it in-app."""
        async with request.app.state.sessions() as session:
            stored = await notifications.store(session, body)
        # Email goes out through the SMTP binding (not wired yet): only in-app is delivered.
        delivered = [c for c in stored.channels if c == "in-app"]
        return SendResult(id=stored.id, delivered=delivered)  # type: ignore[arg-type]

    @app.get("/users/{user_id}/notifications", dependencies=sidecar_only)
    async def list_notifications(
        user_id: str,
        request: Request,
        unread: bool = False,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
    ) -> NotificationPage:
        async with request.app.state.sessions() as session:
            try:
                items, next_cursor = await notifications.list_for(
                    session, user_id, unread=unread, limit=limit, cursor=cursor
                )
            except notifications.BadCursor as exc:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return NotificationPage(
            items=[NotificationPublic.of(n) for n in items], next_cursor=next_cursor
        )

    @app.post(
        "/users/{user_id}/notifications/{notification_id}/read",
        status_code=status.HTTP_204_NO_CONTENT,
        dependencies=sidecar_only,
        responses={404: {"description": "no such notification for this user"}},
    )
    async def read(user_id: str, notification_id: str, request: Request) -> Response:
        async with request.app.state.sessions() as session:
            if not await notifications.mark_read(session, user_id, notification_id):
                raise HTTPException(status.HTTP_404_NOT_FOUND, "notification not found")
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return app


app = create_app()
