"""`POST /get-recommendations`: which open tasks to do next, and why."""

from datetime import UTC, datetime

from fastapi import APIRouter

from ai_service.api.deps import SIDECAR_ONLY, DaprDep
from ai_service.api.schemas import Item, RecommendationRequest, RecommendationResponse
from ai_service.domain.ranking import OpenTask
from ai_service.service_layer.recommendations import Recommend, recommend

router = APIRouter(dependencies=SIDECAR_ONLY)


@router.post("/get-recommendations", response_model_by_alias=True)
async def get_recommendations(body: RecommendationRequest, dapr: DaprDep) -> RecommendationResponse:
    now = body.now or datetime.now(UTC)
    tasks = tuple(
        OpenTask(t.id, t.title, t.priority, t.due_at, t.created_at, tuple(t.tags))
        for t in body.tasks
    )
    result = await recommend(dapr, Recommend(body.user_id, tasks, now, body.timezone, body.limit))
    return RecommendationResponse(
        items=[
            Item(task_id=r.task_id, title=r.title, score=r.score, reasons=list(r.reasons))
            for r in result.items
        ],
        generated_at=now,
        used_history=result.used_history,
    )
