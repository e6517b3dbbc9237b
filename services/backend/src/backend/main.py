"""The backend app: the public REST API; reaches the other apps only through its sidecar.

Its routes are in api/routes, what the scheduler calls in jobs.py, the use cases in
service_layer/, the rules in domain/, the tables in db/.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from backend import jobs
from backend.api.routes import outbox, router
from backend.core.config import BackendSettings
from backend.core.security import TokenIssuer
from backend.db.migrate import migrations
from backend.service_layer.outbox_relay import OutboxRelay
from dapr_common import DaprClient, DaprSettings
from dapr_common.deps import Resources
from dapr_common.postgres import Database
from dapr_common.service import DatabaseSpec, background, service_app

log = logging.getLogger("backend.outbox")


def create_app(
    settings: DaprSettings | None = None, backend_settings: BackendSettings | None = None
) -> FastAPI:
    config = backend_settings or BackendSettings()

    @asynccontextmanager
    async def startup(resources: Resources) -> AsyncIterator[None]:
        """The token issuer (its key from the secret store) and the outbox relay."""
        dapr = resources.get(DaprClient)
        key = await dapr.secrets.value(config.jwt_key_secret)
        resources.put(TokenIssuer(key, config.token_lifetime))
        relay = OutboxRelay(resources.get(Database).sessions, dapr)
        resources.put(relay)
        if not config.outbox_relay:
            yield
            return
        try:
            async with background(relay.run(), "outbox-relay"):
                yield
        finally:
            try:
                await relay.release_lease()  # the next replica relays now, not in 15 s
            except Exception as exc:  # the database is gone: the lease lapses by itself
                log.warning("outbox relay: lease not released (%s)", exc)

    return service_app(
        settings or DaprSettings(app_id="backend"),
        title="backend",
        summary="The Todo API",
        max_body_size=256 * 1024,  # a task is at most ~12 KiB
        routers=[jobs.jobs.router, router, outbox.router],
        database=DatabaseSpec(config, migrations),
        startup=startup,
    )


app = create_app()
