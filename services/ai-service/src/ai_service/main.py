"""The ai-service app: reached only through Dapr service invocation."""

from datetime import UTC, datetime

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field

from ai_service.recommendations import TaskSummary, rank_tasks
from dapr_common import DaprSettings, require_app_token


class RecommendationRequest(BaseModel):
    tasks: list[TaskSummary]
    limit: int = Field(default=5, ge=1, le=50)


class RecommendationResponse(BaseModel):
    recommended: list[TaskSummary]


def create_app(settings: DaprSettings | None = None) -> FastAPI:
    app = FastAPI(title="ai-service")
    app.state.dapr_settings = settings or DaprSettings(app_id="ai-service")
    sidecar_only = [Depends(require_app_token)]

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/get-recommendations", dependencies=sidecar_only)
    async def get_recommendations(
        request: RecommendationRequest,
    ) -> RecommendationResponse:
        ranked = rank_tasks(request.tasks, datetime.now(UTC), request.limit)
        return RecommendationResponse(recommended=ranked)

    return app


app = create_app()
