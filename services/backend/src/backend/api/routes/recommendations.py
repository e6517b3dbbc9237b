"""Recommendations, asked of ai-service through Dapr service invocation."""

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel

from backend.api.deps import CurrentUser, DaprDep
from dapr_common import AccessDenied, DaprError

router = APIRouter(tags=["recommendations"])


class RecommendationQuery(BaseModel):
    tasks: list[dict[str, Any]]
    limit: int = 5


@router.post("/recommendations", responses={502: {"description": "ai-service failed"}})
async def recommendations(query: RecommendationQuery, dapr: DaprDep, user: CurrentUser) -> Any:
    """Rank the given tasks by asking ai-service."""
    try:
        return await dapr.invoke.post("ai-service", "get-recommendations", json=query.model_dump())
    except AccessDenied as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"ai-service refused: {exc}") from exc
    except DaprError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"ai-service failed: {exc}") from exc
