"""The task API: thin translation between HTTP and the task use cases."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from pydantic import AwareDatetime

from backend.api.deps import CurrentUser, CurrentUserId, DaprDep, SessionDep, UnitOfWorkDep, user_of
from backend.api.errors import NO_JOBS, NOT_FOUND, STALE, translated
from backend.api.schemas import Priority, TaskCreate, TaskPage, TaskPublic, TaskUpdate, etag
from backend.domain.listing import BadCursor, Cursor, Sort
from backend.service_layer import task_cache, tasks
from backend.service_layer.tasks import TaskQuery

router = APIRouter(prefix="/tasks", tags=["tasks"])


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("", status_code=status.HTTP_201_CREATED, responses=NO_JOBS)
async def create(
    body: TaskCreate, user_id: CurrentUserId, uow: UnitOfWorkDep, response: Response
) -> TaskPublic:
    with translated():
        task = await tasks.create_task(uow, user_id, body.command(), _now())
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
    seen = await task_cache.lookup(dapr, user_id) if query == default else None
    if seen is not None and seen.page is not None:
        response.headers["X-Cache"] = "hit"
        return TaskPage.model_validate(seen.page)
    user = await user_of(session, user_id)
    items, next_cursor = await tasks.list_tasks(session, user, query, _now())
    await session.commit()  # the connection back to the pool before the cache fill
    page = TaskPage(items=[TaskPublic.of(t) for t in items], next_cursor=next_cursor)
    if seen is not None:
        response.headers["X-Cache"] = "miss"
        await task_cache.fill(dapr, user.id, page.model_dump(mode="json"), seen)
    return page


@router.get("/{task_id}", responses=NOT_FOUND)
async def read(
    task_id: str, user: CurrentUser, session: SessionDep, response: Response
) -> TaskPublic:
    with translated():
        task = await tasks.get_task(session, user, task_id)
    response.headers["ETag"] = etag(task)
    return TaskPublic.of(task)


@router.patch("/{task_id}", responses={**NOT_FOUND, **STALE, **NO_JOBS})
async def update(
    task_id: str,
    body: TaskUpdate,
    user: CurrentUser,
    uow: UnitOfWorkDep,
    response: Response,
    if_match: Annotated[str | None, Header()] = None,
) -> TaskPublic:
    with translated():
        task = await tasks.update_task(uow, user, task_id, body.command(), if_match, _now())
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
    uow: UnitOfWorkDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    with translated():
        await tasks.delete_task(uow, user, task_id, if_match, _now())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{task_id}/complete", responses={**NOT_FOUND, **NO_JOBS})
async def complete(
    task_id: str, user: CurrentUser, uow: UnitOfWorkDep, response: Response
) -> TaskPublic:
    with translated():
        task = await tasks.complete_task(uow, user, task_id, _now())
    response.headers["ETag"] = etag(task)
    return TaskPublic.of(task)


@router.post("/{task_id}/reopen", responses={**NOT_FOUND, **NO_JOBS})
async def reopen(
    task_id: str, user: CurrentUser, uow: UnitOfWorkDep, response: Response
) -> TaskPublic:
    with translated():
        task = await tasks.reopen_task(uow, user, task_id, _now())
    response.headers["ETag"] = etag(task)
    return TaskPublic.of(task)
