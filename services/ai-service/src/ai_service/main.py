"""The ai-service app: reached only through Dapr service invocation and pub/sub.

`POST /get-recommendations` ranks the open tasks the backend sends (recommendations.py),
using the user's activity profile that the task events build (events.py, profile.py).
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Literal

from fastapi import Depends, FastAPI, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ai_service import events, profile
from ai_service.recommendations import OpenTask, rank
from dapr_common import (
    DaprClient,
    DaprError,
    DaprSettings,
    health_router,
    require_app_token,
)
from dapr_common.observability import TraceContextMiddleware, configure_logging

log = logging.getLogger(__name__)


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class TaskIn(Wire):
    id: str = Field(min_length=1, max_length=36)
    title: str = Field(max_length=200)
    priority: Literal["low", "medium", "high", "urgent"] = "medium"
    tags: list[str] = Field(default_factory=list, max_length=20)
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None


class RecommendationRequest(Wire):
    user_id: str | None = Field(default=None, max_length=36)
    tasks: list[TaskIn] = Field(max_length=5000)
    now: AwareDatetime | None = None
    timezone: str = Field(default="UTC", max_length=64)
    limit: int = Field(default=5, ge=1, le=50)


class Item(Wire):
    task_id: str
    title: str
    score: float
    reasons: list[str]


class RecommendationResponse(Wire):
    items: list[Item]
    generated_at: datetime
    # False when the activity profile could not be read (ranked without history).
    used_history: bool


def create_app(settings: DaprSettings | None = None) -> FastAPI:
    dapr_settings = settings or DaprSettings(app_id="ai-service")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(dapr_settings.app_id)
        async with DaprClient(dapr_settings) as dapr:
            app.state.dapr = dapr
            yield

    app = FastAPI(
        title="ai-service",
        summary="Which task next, and why; reached only through Dapr",
        lifespan=lifespan,
        max_body_size=4 * 1024 * 1024,  # 413 beyond it: up to 5,000 tasks of ~500 bytes
    )
    app.add_middleware(TraceContextMiddleware)
    app.state.dapr_settings = dapr_settings
    app.include_router(health_router())
    app.include_router(events.subscriptions.router)  # GET /dapr/subscribe + handlers
    sidecar_only = [Depends(require_app_token)]

    @app.post("/get-recommendations", dependencies=sidecar_only, response_model_by_alias=True)
    async def get_recommendations(
        body: RecommendationRequest, request: Request
    ) -> RecommendationResponse:
        now = body.now or datetime.now(UTC)
        history, used = None, False
        if body.user_id:
            try:
                stored = await request.app.state.dapr.state.get(events.history_key(body.user_id))
                history = profile.summarize(stored.value if stored else None, body.timezone)
                used = True
            except DaprError as exc:
                log.warning("ranking without history: the profile is unreadable (%s)", exc)
        tasks = [
            OpenTask(t.id, t.title, t.priority, t.due_at, t.created_at, tuple(t.tags))
            for t in body.tasks
        ]
        ranked = rank(tasks, now, body.limit, history, body.timezone)
        return RecommendationResponse(
            items=[
                Item(task_id=r.task_id, title=r.title, score=r.score, reasons=list(r.reasons))
                for r in ranked
            ],
            generated_at=now,
            used_history=used,
        )

    return app


app = create_app()
