"""The signed-in user's preferences, recommendations and notifications."""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response, status
from sqlmodel import col, select

from backend.api.deps import CurrentUser, DaprDep, SessionDep
from backend.db.models import Task
from backend.service_layer.preferences import Preferences, get_preferences, put_preferences
from backend.service_layer.tasks import JobsUnavailable
from dapr_common import AccessDenied, DaprError, InvocationFailed

router = APIRouter(prefix="/me", tags=["me"])

UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    503: {"description": "the service behind this route is down or timed out; retry later"}
}


def _unavailable(service: str, exc: DaprError) -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        f"{service} is unavailable right now, try again shortly ({exc.message})",
        headers={"Retry-After": "5"},
    )


@router.get("/preferences")
async def read_preferences(user: CurrentUser, dapr: DaprDep) -> Preferences:
    try:
        return await get_preferences(dapr, user)
    except DaprError as exc:
        raise _unavailable("the preference store", exc) from exc


@router.put("/preferences", responses=UNAVAILABLE)
async def write_preferences(body: Preferences, user: CurrentUser, dapr: DaprDep) -> Preferences:
    try:
        return await put_preferences(dapr, user, body)
    except JobsUnavailable as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the digest scheduler is unavailable, nothing was saved: {exc}",
            headers={"Retry-After": "5"},
        ) from exc
    except DaprError as exc:
        raise _unavailable("the preference store", exc) from exc


@router.get("/recommendations", responses=UNAVAILABLE)
async def recommendations(
    user: CurrentUser,
    session: SessionDep,
    dapr: DaprDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> Any:
    """Which open tasks to do next, ranked by ai-service."""
    open_tasks = (
        await session.exec(
            select(Task)
            .where(Task.user_id == user.id, col(Task.completed_at).is_(None))
            .order_by(col(Task.created_at).desc())
            .limit(500)
        )
    ).all()
    body = {
        "userId": user.id,
        "timezone": user.timezone,
        "limit": limit,
        "tasks": [
            {
                "id": t.id,
                "title": t.title,
                "priority": t.priority,
                "tags": list(t.tags),
                "dueAt": t.due_at.isoformat() if t.due_at else None,
                "createdAt": t.created_at.isoformat(),
            }
            for t in open_tasks
        ],
    }
    try:
        return await dapr.invoke.post("ai-service", "get-recommendations", json=body)
    except (AccessDenied, InvocationFailed) as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"ai-service refused: {exc}") from exc
    except DaprError as exc:
        raise _unavailable("ai-service", exc) from exc


@router.get("/notifications", responses=UNAVAILABLE)
async def notifications(user: CurrentUser, dapr: DaprDep, unread: bool = False) -> Any:
    try:
        return await dapr.invoke.get(
            "notification-service",
            f"users/{user.id}/notifications",
            params={"unread": "true" if unread else "false"},
        )
    except (AccessDenied, InvocationFailed) as exc:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"notification-service refused: {exc}"
        ) from exc
    except DaprError as exc:
        raise _unavailable("notification-service", exc) from exc


@router.post(
    "/notifications/{notification_id}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**UNAVAILABLE, 404: {"description": "no such notification for this user"}},
)
async def mark_read(notification_id: UUID, user: CurrentUser, dapr: DaprDep) -> Response:
    # A UUID, so nothing a caller writes here can reshape the path invoked (found by fuzzing:
    # an id with `?` or `/` in it did).
    try:
        outcome = await dapr.invoke.post(
            "notification-service", f"users/{user.id}/notifications/{notification_id}/read"
        )
    except (AccessDenied, InvocationFailed) as exc:
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"notification-service refused: {exc}"
        ) from exc
    except DaprError as exc:
        raise _unavailable("notification-service", exc) from exc
    # Not found comes back as `marked: false`, not a 404, so that no user can open the
    # circuit breaker to notification-service for everyone (components/resiliency.yaml).
    if not isinstance(outcome, dict) or not isinstance(outcome.get("marked"), bool):
        raise HTTPException(
            status.HTTP_502_BAD_GATEWAY, f"notification-service answered {outcome!r}"
        )
    if not outcome["marked"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "notification not found")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
