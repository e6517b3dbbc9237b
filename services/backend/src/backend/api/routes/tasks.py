"""The task API: thin translation between HTTP and the task use cases."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status
from pydantic import AwareDatetime

from backend.api.deps import (
    CurrentUser,
    CurrentUserId,
    DaprDep,
    SessionDep,
    events_committed,
    user_of,
)
from backend.api.schemas import Priority, TaskCreate, TaskPage, TaskPublic, TaskUpdate, etag
from backend.db.models import User
from backend.domain.listing import BadCursor, Cursor, Sort
from backend.domain.reminders import DEFAULT_REMIND_BEFORE_MINUTES
from backend.service_layer import task_cache, tasks
from backend.service_layer.preferences import get_preferences
from backend.service_layer.tasks import JobsUnavailable, StaleTask, TaskNotFound, TaskQuery
from dapr_common import DaprClient, DaprError

router = APIRouter(prefix="/tasks", tags=["tasks"])

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "no such task for this user"}}
STALE: Responses = {412: {"description": "If-Match names a version that is no longer current"}}
NO_JOBS: Responses = {503: {"description": "the scheduler is unreachable; nothing was written"}}


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """Use-case errors to HTTP answers."""
    try:
        yield
    except TaskNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "task not found") from None
    except StaleTask:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED,
            "the task changed since you read it: fetch it again and retry",
        ) from None
    except JobsUnavailable as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"reminders are unavailable, nothing was saved: {exc}",
            headers={"Retry-After": "5"},
        ) from None
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None


@asynccontextmanager
async def _write(request: Request, dapr: DaprClient, user: User) -> AsyncIterator[None]:
    """A write use case: errors translated; once committed, the outbox relay is woken and the
    user's cached task list dropped."""
    async with _translated():
        yield
    events_committed(request)
    await task_cache.drop(dapr, user.id)


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("", status_code=status.HTTP_201_CREATED, responses=NO_JOBS)
async def create(
    body: TaskCreate,
    user: CurrentUser,
    session: SessionDep,
    dapr: DaprDep,
    request: Request,
    response: Response,
) -> TaskPublic:
    remind_before = None
    if body.due_at is not None and body.remind_before_minutes is None:
        try:
            remind_before = (await get_preferences(dapr, user)).reminder_minutes_before
        except DaprError:
            remind_before = None  # the state store is down: the built-in default will do
    async with _write(request, dapr, user):
        task = await tasks.create_task(
            session,
            dapr,
            user,
            body,
            _now(),
            remind_before if remind_before is not None else DEFAULT_REMIND_BEFORE_MINUTES,
        )
    response.headers["ETag"] = etag(task)
    response.headers["Location"] = f"/api/tasks/{task.id}"
    return TaskPublic.of(task)


@router.get("", responses={400: {"description": "the cursor is not valid for this query"}})
async def list_(
    user_id: CurrentUserId,
    session: SessionDep,
    dapr: DaprDep,
    response: Response,
    status_: Annotated[Literal["open", "completed", "all"], Query(alias="status")] = "open",
    priority: Priority | None = None,
    tag: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    due_before: AwareDatetime | None = None,
    due_after: AwareDatetime | None = None,
    overdue: bool = False,
    sort: Sort = Sort.due_at,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> TaskPage:
    try:
        decoded = Cursor.decode(cursor, sort) if cursor else None
    except BadCursor as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    default = TaskQuery()
    query = TaskQuery(
        status=status_,
        priority=priority,
        tag=tag,
        q=q,
        due_before=due_before,
        due_after=due_after,
        overdue=overdue,
        sort=sort,
        limit=limit,
        cursor=decoded,
    )
    if query == default and (hit := await task_cache.cached_list(dapr, user_id)) is not None:
        response.headers["X-Cache"] = "hit"
        return hit
    user = await user_of(session, user_id)
    items, next_cursor = await tasks.list_tasks(session, user, query, _now())
    page = TaskPage(items=[TaskPublic.of(t) for t in items], next_cursor=next_cursor)
    if query == default:
        response.headers["X-Cache"] = "miss"
        await task_cache.fill(dapr, user.id, page)
    return page


@router.get("/{task_id}", responses=NOT_FOUND)
async def read(
    task_id: str, user: CurrentUser, session: SessionDep, response: Response
) -> TaskPublic:
    async with _translated():
        task = await tasks.get_task(session, user, task_id)
    response.headers["ETag"] = etag(task)
    return TaskPublic.of(task)


@router.patch("/{task_id}", responses={**NOT_FOUND, **STALE, **NO_JOBS})
async def update(
    task_id: str,
    body: TaskUpdate,
    user: CurrentUser,
    session: SessionDep,
    dapr: DaprDep,
    request: Request,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> TaskPublic:
    async with _write(request, dapr, user):
        task = await tasks.update_task(session, dapr, user, task_id, body, if_match, _now())
    response.headers["ETag"] = etag(task)
    return TaskPublic.of(task)


@router.delete(
    "/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **STALE, **NO_JOBS},
)
async def delete(
    task_id: str,
    user: CurrentUser,
    session: SessionDep,
    dapr: DaprDep,
    request: Request,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    async with _write(request, dapr, user):
        await tasks.delete_task(session, dapr, user, task_id, if_match, _now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{task_id}/complete", responses={**NOT_FOUND, **NO_JOBS})
async def complete(
    task_id: str,
    user: CurrentUser,
    session: SessionDep,
    dapr: DaprDep,
    request: Request,
    response: Response,
) -> TaskPublic:
    async with _write(request, dapr, user):
        task = await tasks.complete_task(session, dapr, user, task_id, _now())
    response.headers["ETag"] = etag(task)
    return TaskPublic.of(task)


@router.post("/{task_id}/reopen", responses={**NOT_FOUND, **NO_JOBS})
async def reopen(
    task_id: str,
    user: CurrentUser,
    session: SessionDep,
    dapr: DaprDep,
    request: Request,
    response: Response,
) -> TaskPublic:
    async with _write(request, dapr, user):
        task = await tasks.reopen_task(session, dapr, user, task_id, _now())
    response.headers["ETag"] = etag(task)
    return TaskPublic.of(task)
