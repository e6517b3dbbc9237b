"""The backend app: the public REST API; reaches the other apps only through its sidecar.

`create_app` is the one composition root: settings, the Dapr client, the database engine,
the token issuer.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend.api.routes import auth, jobs, me, tasks
from backend.core.config import BackendSettings
from backend.core.security import TokenIssuer
from backend.db.migrate import migrations
from backend.outbox_relay import OutboxRelay
from dapr_common import DaprClient, DaprSettings, health_router
from dapr_common.observability import TraceContextMiddleware, configure_logging
from dapr_common.postgres import (
    RejectNulCharacters,
    database_ready,
    install_database_unavailable_handler,
    open_database,
    session_factory,
)

MAX_BODY = 256 * 1024


def create_app(
    settings: DaprSettings | None = None, backend_settings: BackendSettings | None = None
) -> FastAPI:
    dapr_settings = settings or DaprSettings(app_id="backend")
    config = backend_settings or BackendSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(dapr_settings.app_id)
        async with DaprClient(dapr_settings) as dapr:
            app.state.dapr = dapr
            # The sidecar serves its API before it reaches the app: wait for it, read the
            # secrets, and refuse a database schema older than this code.
            await dapr.wait_until_ready()
            app.state.tokens = TokenIssuer(
                await dapr.secrets.value(config.jwt_key_secret), config.token_lifetime
            )
            async with open_database(dapr, config, migrations) as engine:
                app.state.engine = engine
                app.state.sessions = session_factory(engine)
                app.state.relay = OutboxRelay(app.state.sessions, dapr)
                relay = None
                if config.outbox_relay:
                    relay = asyncio.create_task(app.state.relay.run(), name="outbox-relay")
                try:
                    yield
                finally:
                    if relay is not None:
                        relay.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await relay

    app = FastAPI(
        title="backend",
        summary="The Todo API",
        lifespan=lifespan,
        max_body_size=MAX_BODY,  # 413 beyond it: a task is at most ~12 KiB
    )
    app.add_middleware(RejectNulCharacters)
    install_database_unavailable_handler(app)
    app.add_middleware(TraceContextMiddleware)
    app.state.dapr_settings = dapr_settings
    app.include_router(health_router({"database": database_ready}))
    app.include_router(jobs.router)  # sidecar-facing, app-token checked
    app.include_router(auth.router, prefix="/api")
    app.include_router(tasks.router, prefix="/api")
    app.include_router(me.router, prefix="/api")
    return app


app = create_app()
