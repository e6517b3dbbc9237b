"""The backend app: the public REST API; reaches the other apps only through its sidecar.

`create_app` is the one composition root: settings, the Dapr client, the database engine.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend.core.config import BackendSettings
from backend.db.migrate import ensure_current
from backend.db.session import database_reachable, make_engine, session_factory
from dapr_common import AccessDenied, DaprClient, DaprError, DaprSettings


class RecommendationQuery(BaseModel):
    tasks: list[dict[str, Any]]
    limit: int = 5


def create_app(
    settings: DaprSettings | None = None,
    backend_settings: BackendSettings | None = None,
    *,
    use_database: bool = True,
) -> FastAPI:
    dapr_settings = settings or DaprSettings(app_id="backend")
    config = backend_settings or BackendSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with DaprClient(dapr_settings) as dapr:
            app.state.dapr = dapr
            app.state.engine = None
            if use_database:
                # The sidecar serves its API before it reaches the app: wait for it, read the
                # database password from the secret store, and refuse an out-of-date schema.
                await dapr.wait_until_ready()
                password = await dapr.secrets.value(config.postgres_password_secret)
                engine = make_engine(config.database_url(password), config.postgres_pool_size)
                await ensure_current(engine)
                app.state.engine = engine
                app.state.sessions = session_factory(engine)
            try:
                yield
            finally:
                if app.state.engine is not None:
                    await app.state.engine.dispose()

    app = FastAPI(title="backend", lifespan=lifespan)
    app.state.dapr_settings = dapr_settings

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        dapr: DaprClient = request.app.state.dapr
        sidecar = await dapr.healthy(outbound=True)
        engine = request.app.state.engine
        database = engine is None or await database_reachable(engine)
        body = {
            "sidecar": "ok" if sidecar else "unavailable",
            "database": "ok" if database else "unavailable",
        }
        ready = sidecar and database
        return JSONResponse(
            {"status": "ready" if ready else "not ready", **body}, status_code=200 if ready else 503
        )

    @app.post("/api/recommendations")
    async def recommendations(query: RecommendationQuery, request: Request) -> Any:
        """Rank the given tasks by asking ai-service through Dapr service invocation."""
        dapr: DaprClient = request.app.state.dapr
        try:
            return await dapr.invoke.post(
                "ai-service", "get-recommendations", json=query.model_dump()
            )
        except AccessDenied as exc:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"ai-service refused: {exc}") from exc
        except DaprError as exc:
            raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"ai-service failed: {exc}") from exc

    return app


app = create_app()
