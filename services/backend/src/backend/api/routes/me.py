"""The signed-in user's preferences, recommendations and notifications."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from backend.api.deps import CurrentUser, DaprDep, SessionDep
from backend.api.errors import UNAVAILABLE, calling, translated
from backend.domain.preferences import Preferences
from backend.service_layer import notifications, preferences, recommendations

router = APIRouter(prefix="/me", tags=["me"])


@router.get("/preferences")
async def read_preferences(user: CurrentUser, dapr: DaprDep) -> Preferences:
    with calling("the preference store"):
        return await preferences.get_preferences(dapr, user)


@router.put("/preferences", responses=UNAVAILABLE)
async def write_preferences(body: Preferences, user: CurrentUser, dapr: DaprDep) -> Preferences:
    with translated("the digest scheduler is unavailable"), calling("the preference store"):
        return await preferences.put_preferences(dapr, user, body)


@router.get("/recommendations", responses=UNAVAILABLE)
async def recommend(
    user: CurrentUser,
    session: SessionDep,
    dapr: DaprDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Any:
    """Which open tasks to do next, ranked by ai-service."""
    with calling("ai-service"):
        return await recommendations.recommend(session, dapr, user, limit)


@router.get("/notifications", responses=UNAVAILABLE)
async def list_notifications(user: CurrentUser, dapr: DaprDep, unread: bool = False) -> Any:
    with calling("notification-service"):
        return await notifications.list_notifications(dapr, user.id, unread=unread)


@router.post(
    "/notifications/{notification_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAVAILABLE, 404: {"description": "no such notification for this user"}},
)
async def mark_read(notification_id: UUID, user: CurrentUser, dapr: DaprDep) -> Response:
    # A UUID, so nothing a caller writes here can reshape the path invoked (found by fuzzing:
    # an id with `?` or `/` in it did).
    with translated(), calling("notification-service"):
        await notifications.mark_read(dapr, user.id, str(notification_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
