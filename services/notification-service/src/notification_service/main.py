"""The notification-service app: reached only through Dapr service invocation and pub/sub.

`create_app` is the composition root: settings, the Dapr client, the database engine.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Query, Request, status

from dapr_common import DaprClient, DaprError, DaprSettings, health_router, require_app_token
from dapr_common.observability import TraceContextMiddleware, configure_logging
from dapr_common.postgres import (
    RejectNulCharacters,
    database_ready,
    install_database_unavailable_handler,
    open_database,
    session_factory,
)
from notification_service import dead_letters, events, mailer, notifications
from notification_service.api.schemas import (
    DeadLetterPage,
    DeadLetterPublic,
    NotificationPage,
    NotificationPublic,
    ReadOutcome,
    Replayed,
    SendRequest,
    SendResult,
)
from notification_service.core.config import NotificationSettings
from notification_service.db.migrate import migrations
from notification_service.paging import BadCursor


def create_app(
    settings: DaprSettings | None = None, config: NotificationSettings | None = None
) -> FastAPI:
    dapr_settings = settings or DaprSettings(app_id="notification-service")
    conf = config or NotificationSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(dapr_settings.app_id)
        async with DaprClient(dapr_settings) as dapr:
            app.state.dapr = dapr
            await dapr.wait_until_ready()
            async with open_database(dapr, conf, migrations) as engine:
                app.state.engine = engine
                app.state.sessions = session_factory(engine)
                yield

    app = FastAPI(
        title="notification-service",
        summary="Notifications, in-app and by email; reached only through Dapr",
        lifespan=lifespan,
        max_body_size=256 * 1024,  # 413 beyond it: a message is at most 20,000 characters
    )
    app.add_middleware(RejectNulCharacters)
    install_database_unavailable_handler(app)
    app.add_middleware(TraceContextMiddleware)
    app.state.dapr_settings = dapr_settings
    app.include_router(health_router({"database": database_ready}))
    app.include_router(events.subscriptions.router)  # GET /dapr/subscribe + handlers
    sidecar_only = [Depends(require_app_token)]

    @app.post("/send", dependencies=sidecar_only)
    async def send(body: SendRequest, request: Request) -> SendResult:
        """Store the notification (once per idempotency key), deliver it in-app and, when
        asked, by email; `delivered` lists the channels that reached the user."""
        async with request.app.state.sessions() as session:
            outcome = await notifications.store(session, body)
        delivered = await mailer.deliver(
            request.app.state.sessions, request.app.state.dapr, outcome
        )
        return SendResult(id=outcome.notification.id, delivered=delivered)  # type: ignore[arg-type]

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
            except BadCursor as exc:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return NotificationPage(
            items=[NotificationPublic.of(n) for n in items], next_cursor=next_cursor
        )

    @app.post(
        "/users/{user_id}/notifications/{notification_id}/read",
        dependencies=sidecar_only,
        response_model_by_alias=True,
    )
    async def read(user_id: str, notification_id: str, request: Request) -> ReadOutcome:
        """`marked: false` when the user has no such notification (see ReadOutcome)."""
        async with request.app.state.sessions() as session:
            return ReadOutcome(
                marked=await notifications.mark_read(session, user_id, notification_id)
            )

    @app.get("/dead-letters", dependencies=sidecar_only, tags=["operators"])
    async def list_dead_letters(
        request: Request,
        topic: Annotated[str | None, Query(max_length=100, description="original topic")] = None,
        pending: bool = False,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        cursor: Annotated[str | None, Query(max_length=500)] = None,
    ) -> DeadLetterPage:
        """Events some subscriber gave up on, newest first (operator-only)."""
        async with request.app.state.sessions() as session:
            try:
                items, next_cursor = await dead_letters.list_dead_letters(
                    session, original_topic=topic, pending=pending, limit=limit, cursor=cursor
                )
            except BadCursor as exc:
                raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
        return DeadLetterPage(
            items=[DeadLetterPublic.model_validate(d, from_attributes=True) for d in items],
            next_cursor=next_cursor,
        )

    @app.post(
        "/dead-letters/{dead_letter_id}/replay",
        dependencies=sidecar_only,
        tags=["operators"],
        responses={
            404: {"description": "no such dead letter"},
            503: {"description": "pub/sub down"},
        },
    )
    async def replay(dead_letter_id: str, request: Request) -> Replayed:
        """Publish the event back to its original topic, CloudEvent id unchanged."""
        async with request.app.state.sessions() as session:
            try:
                letter = await dead_letters.replay(session, request.app.state.dapr, dead_letter_id)
            except dead_letters.NotFound:
                raise HTTPException(status.HTTP_404_NOT_FOUND, "dead letter not found") from None
            except DaprError as exc:
                raise HTTPException(
                    status.HTTP_503_SERVICE_UNAVAILABLE, f"could not publish: {exc}"
                ) from None
        assert letter.replayed_at is not None
        return Replayed(
            id=letter.id,
            replayed_to=letter.original_topic,
            event_id=letter.event_id,
            replayed_at=letter.replayed_at,
        )

    return app


app = create_app()
