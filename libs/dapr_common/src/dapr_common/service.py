"""The one app factory of every service: what all Dapr apps here share, written once.

Each service's `main.py` calls `service_app` with what differs (title, routers, its database,
its own start-up work); the factory adds the rest:
- the lifespan: logging, the Dapr client (waits for the sidecar's outbound health), the
  database when the service has one (password from the secret store, schema checked), then
  the service's own `startup`, in that order, and the reverse at shutdown;
- the registry the typed dependencies read (`DaprDep`, `DatabaseDep`, `SessionDep`…);
- `/healthz` and `/readyz` (sidecar, plus the database when there is one);
- trace-context propagation; for a database app, refusal of NUL characters (422) and a 503
  with Retry-After while the database is down.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import APIRouter, FastAPI

from dapr_common.client import DaprClient
from dapr_common.deps import Resources, provide, resources_of
from dapr_common.health import Check, health_router
from dapr_common.observability import TraceContextMiddleware, configure_logging
from dapr_common.settings import DaprSettings

if TYPE_CHECKING:  # the postgres extra: only apps with a database install it
    from dapr_common.postgres import Migrations, PostgresSettings

Startup = Callable[[Resources], AbstractAsyncContextManager[None]]


@asynccontextmanager
async def background(work: Coroutine[object, object, object], name: str) -> AsyncIterator[None]:
    """Run `work` (a loop: the outbox relay, the mailer) as a task for as long as the block
    lasts, then cancel it and wait until it has stopped."""
    task = asyncio.create_task(work, name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@dataclass(frozen=True)
class DatabaseSpec:
    """The service's database: where it is, and the migrations its schema must be at."""

    settings: "PostgresSettings"
    migrations: "Migrations"


def service_app(
    settings: DaprSettings,
    *,
    title: str,
    summary: str,
    max_body_size: int,
    routers: Sequence[APIRouter],
    database: DatabaseSpec | None = None,
    startup: Startup | None = None,
) -> FastAPI:
    """A Dapr app: `routers` (public API, subscriptions, job callbacks) behind the shared
    glue. `startup(resources)` runs once the client and database are up; it may provide more
    (`resources.put(token_issuer)`) and runs its own teardown when the app stops."""
    checks: dict[str, Check] = {}
    if database is not None:
        from dapr_common.postgres import database_ready

        checks["database"] = database_ready

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.app_id)
        resources = resources_of(app)
        async with DaprClient(settings) as dapr, AsyncExitStack() as stack:
            resources.put(dapr)
            # The sidecar serves its API before it reaches the app: wait for it.
            await dapr.wait_until_ready()
            if database is not None:
                from dapr_common.postgres import Database, open_database

                engine = await stack.enter_async_context(
                    open_database(dapr, database.settings, database.migrations)
                )
                resources.put(Database.of(engine))
            if startup is not None:
                await stack.enter_async_context(startup(resources))
            yield

    app = FastAPI(
        title=title, summary=summary, lifespan=lifespan, max_body_size=max_body_size
    )  # 413 beyond max_body_size
    provide(app, settings)
    if database is not None:
        from dapr_common.postgres import RejectNulCharacters, install_database_unavailable_handler

        app.add_middleware(RejectNulCharacters)
        install_database_unavailable_handler(app)
    app.add_middleware(TraceContextMiddleware)
    app.include_router(health_router(checks))
    for router in routers:
        app.include_router(router)
    return app
