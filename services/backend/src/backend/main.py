"""The backend app: the public REST API; reaches the other apps only through its sidecar."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from pydantic import BaseModel

from dapr_common import AccessDenied, DaprClient, DaprError, DaprSettings


class RecommendationQuery(BaseModel):
    tasks: list[dict[str, Any]]
    limit: int = 5


def create_app(settings: DaprSettings | None = None) -> FastAPI:
    dapr_settings = settings or DaprSettings(app_id="backend")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with DaprClient(dapr_settings) as dapr:
            app.state.dapr = dapr
            yield

    app = FastAPI(title="backend", lifespan=lifespan)
    app.state.dapr_settings = dapr_settings

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

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
