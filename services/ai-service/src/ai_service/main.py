"""The ai-service app: reached only through Dapr service invocation."""

from datetime import UTC, datetime
from typing import Literal

from fastapi import Depends, FastAPI
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ai_service.recommendations import OpenTask, rank
from dapr_common import DaprSettings, require_app_token


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TaskIn(Wire):
    id: str = Field(min_length=1, max_length=36)
    title: str = Field(max_length=200)
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None


class RecommendationRequest(Wire):
    user_id: str | None = Field(default=None, max_length=36)
    tasks: list[TaskIn] = Field(max_length=5000)
    now: AwareDatetime | None = None
    limit: int = Field(default=5, ge=1, le=50)


class Item(Wire):
    task_id: str
    title: str
    score: float
    reasons: list[str]


class RecommendationResponse(Wire):
    items: list[Item]
    generated_at: datetime


def create_app(settings: DaprSettings | None = None) -> FastAPI:
    app = FastAPI(title="ai-service")
    app.state.dapr_settings = settings or DaprSettings(app_id="ai-service")
    sidecar_only = [Depends(require_app_token)]

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/get-recommendations", dependencies=sidecar_only, response_model_by_alias=True)
    async def get_recommendations(request: RecommendationRequest) -> RecommendationResponse:
        now = request.now or datetime.now(UTC)
        tasks = [OpenTask(t.id, t.title, t.priority, t.due_at, t.created_at) for t in request.tasks]
        ranked = rank(tasks, now, request.limit)
        return RecommendationResponse(
            items=[
                Item(task_id=r.task_id, title=r.title, score=r.score, reasons=list(r.reasons))
                for r in ranked
            ],
            generated_at=now,
        )

    return app


app = create_app()
