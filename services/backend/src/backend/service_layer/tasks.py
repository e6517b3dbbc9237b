"""Task use cases. Each writes the task and its event in one unit of work, and keeps the
task's reminder job in step before committing: a job the scheduler refused fails the request
(JobsUnavailable → 503) and nothing is written. Once committed, the relay publishes the event
and the user's cached list is dropped (unit_of_work.py)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, case, func, or_, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import Task, User
from backend.domain.events import TaskCompleted, TaskCreated, TaskDeleted, TaskUpdated
from backend.domain.listing import PRIORITY_RANK, Cursor, Sort
from backend.domain.recurrence import Recurrence, next_due
from backend.domain.reminders import (
    DEFAULT_REMIND_BEFORE_MINUTES,
    reminder_job_name,
    reminder_time,
)
from backend.service_layer import preferences
from backend.service_layer.commands import CreateTask, UpdateTask
from backend.service_layer.errors import JobsUnavailable, StaleTask, TaskNotFound, UnknownUser
from backend.service_layer.job_policy import JOB_FAILURE_POLICY
from backend.service_layer.unit_of_work import UnitOfWork
from dapr_common import DaprClient, DaprError

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)  # where undated tasks sort
FOREIGN_KEY_VIOLATION = "23503"  # PostgreSQL's SQLSTATE


def _fields(task: Task) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "user_id": task.user_id,
        "version": task.version,
        "title": task.title,
        "description": task.description,
        "priority": task.priority,
        "tags": list(task.tags),
        "due_at": task.due_at,
        "remind_before_minutes": task.remind_before_minutes,
        "recurrence": task.recurrence,
    }


async def sync_reminder(dapr: DaprClient, task: Task, now: datetime) -> None:
    """Schedule (or replace) the task's reminder, or delete it when none is due."""
    name = reminder_job_name(task.id)
    at = None if task.completed_at else reminder_time(task.due_at, task.remind_before_minutes, now)
    try:
        if at is None:
            await dapr.jobs.delete(name)
        else:
            assert task.due_at is not None
            await dapr.jobs.schedule(
                name,
                due_time=at,
                data={"taskId": task.id, "dueAt": task.due_at.isoformat()},
                overwrite=True,
                failure_policy=JOB_FAILURE_POLICY,
            )
    except DaprError as exc:
        raise JobsUnavailable(str(exc)) from exc


async def _remind_before(uow: UnitOfWork, user_id: str, command: CreateTask) -> int:
    """The task's own lead time, else the user's preferred one, else the default."""
    if command.remind_before_minutes is not None:
        return command.remind_before_minutes
    if command.due_at is None:
        return DEFAULT_REMIND_BEFORE_MINUTES
    # The user row only here (their preferences' defaults), its transaction ended before the
    # state store is called: the connection goes back to the pool meanwhile.
    user = await uow.session.get(User, user_id)
    await uow.session.commit()
    if user is None:
        raise UnknownUser(user_id)
    try:
        return (await preferences.get_preferences(uow.dapr, user)).reminder_minutes_before
    except DaprError:
        return DEFAULT_REMIND_BEFORE_MINUTES  # the state store is down: the default will do


async def create_task(uow: UnitOfWork, user_id: str, data: CreateTask, now: datetime) -> Task:
    """The user is not read (their id is the token's; tasks.user_id's foreign key refuses an
    unknown one: UnknownUser), except for preferences a dated task may need."""
    remind_before = await _remind_before(uow, user_id, data)
    task = Task(
        user_id=user_id,
        title=data.title,
        description=data.description,
        priority=data.priority,
        tags=list(data.tags),
        due_at=data.due_at,
        remind_before_minutes=remind_before,
        recurrence=data.recurrence.value if data.recurrence else None,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(task)
    uow.publish(TaskCreated(**_fields(task), created_at=now), user_id)
    try:
        await uow.session.flush()
    except IntegrityError as exc:
        await uow.rollback()
        if getattr(exc.orig, "sqlstate", None) == FOREIGN_KEY_VIOLATION:
            raise UnknownUser(user_id) from None
        raise
    if reminder_time(task.due_at, task.remind_before_minutes, now) is not None:
        await sync_reminder(uow.dapr, task, now)  # a new task has no job to delete otherwise
    uow.forget_task_list(user_id)
    await uow.commit()
    return task


async def get_task(session: AsyncSession, user: User, task_id: str, *, lock: bool = False) -> Task:
    query = select(Task).where(Task.id == task_id, Task.user_id == user.id)
    if lock:
        query = query.with_for_update()
    task = (await session.exec(query)).first()
    if task is None:
        raise TaskNotFound(task_id)
    return task


def _check_version(task: Task, if_match: str | None) -> None:
    if if_match is not None and if_match.strip() not in (f'"{task.version}"', "*"):
        raise StaleTask(task.id)


async def update_task(
    uow: UnitOfWork,
    user: User,
    task_id: str,
    data: UpdateTask,
    if_match: str | None,
    now: datetime,
) -> Task:
    task = await get_task(uow.session, user, task_id, lock=True)
    _check_version(task, if_match)
    changes = dict(data.changes)
    if "recurrence" in changes and changes["recurrence"] is not None:
        changes["recurrence"] = Recurrence(changes["recurrence"]).value
    for field, value in changes.items():
        if field == "remind_before_minutes" and value is None:
            value = DEFAULT_REMIND_BEFORE_MINUTES
        if field in ("title", "priority", "tags", "description") and value is None:
            continue  # these cannot be cleared
        setattr(task, field, value)
    if task.recurrence and task.due_at is None:
        raise ValueError("a recurring task needs a due_at")
    task.version += 1
    task.updated_at = now
    uow.session.add(task)
    uow.publish(TaskUpdated(**_fields(task), updated_at=now), user.id)
    await uow.session.flush()
    if {"due_at", "remind_before_minutes"} & changes.keys():
        await sync_reminder(uow.dapr, task, now)
    uow.forget_task_list(user.id)
    await uow.commit()
    return task


async def delete_task(
    uow: UnitOfWork, user: User, task_id: str, if_match: str | None, now: datetime
) -> None:
    task = await get_task(uow.session, user, task_id, lock=True)
    _check_version(task, if_match)
    await uow.session.delete(task)
    uow.publish(
        TaskDeleted(task_id=task.id, user_id=user.id, version=task.version + 1, deleted_at=now),
        user.id,
    )
    await uow.session.flush()
    try:
        await uow.dapr.jobs.delete(reminder_job_name(task.id))
    except DaprError as exc:
        raise JobsUnavailable(str(exc)) from exc
    uow.forget_task_list(user.id)
    await uow.commit()


async def complete_task(uow: UnitOfWork, user: User, task_id: str, now: datetime) -> Task:
    """Complete once: a second call answers the same task and emits nothing."""
    task = await get_task(uow.session, user, task_id, lock=True)
    if task.completed_at is not None:
        return task
    task.completed_at = now
    task.updated_at = now
    task.version += 1
    if task.recurrence and task.due_at is not None:
        following = Task(
            user_id=user.id,
            title=task.title,
            description=task.description,
            priority=task.priority,
            tags=list(task.tags),
            due_at=next_due(task.due_at, Recurrence(task.recurrence), user.timezone),
            remind_before_minutes=task.remind_before_minutes,
            recurrence=task.recurrence,
            created_at=now,
            updated_at=now,
        )
        task.next_task_id = following.id
        uow.session.add(following)
        uow.publish(TaskCreated(**_fields(following), created_at=now), user.id)
    uow.session.add(task)
    uow.publish(
        TaskCompleted(
            task_id=task.id,
            user_id=user.id,
            version=task.version,
            title=task.title,
            due_at=task.due_at,
            completed_at=now,
            next_task_id=task.next_task_id,
        ),
        user.id,
    )
    await uow.session.flush()
    await sync_reminder(uow.dapr, task, now)  # deletes it
    if task.next_task_id:
        await sync_reminder(uow.dapr, following, now)
    uow.forget_task_list(user.id)
    await uow.commit()
    return task


async def reopen_task(uow: UnitOfWork, user: User, task_id: str, now: datetime) -> Task:
    task = await get_task(uow.session, user, task_id, lock=True)
    if task.completed_at is None:
        return task
    task.completed_at = None
    task.updated_at = now
    task.version += 1
    uow.session.add(task)
    uow.publish(TaskUpdated(**_fields(task), updated_at=now), user.id)
    await uow.session.flush()
    await sync_reminder(uow.dapr, task, now)
    uow.forget_task_list(user.id)
    await uow.commit()
    return task


@dataclass(frozen=True)
class TaskQuery:
    status: str = "open"
    priority: str | None = None
    tag: str | None = None
    q: str | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    overdue: bool = False
    sort: Sort = Sort.due_at
    limit: int = 20
    cursor: Cursor | None = None


_RANK = case(PRIORITY_RANK, value=col(Task.priority), else_=max(PRIORITY_RANK.values()))


def _sort_expr(sort: Sort) -> ColumnElement[Any]:
    if sort.field == "due_at":
        return func.coalesce(col(Task.due_at), FAR_FUTURE)
    if sort.field == "priority":
        return _RANK
    if sort.field == "created_at":
        return cast(ColumnElement[Any], col(Task.created_at))
    return cast(ColumnElement[Any], col(Task.title))


def _key_of(task: Task, sort: Sort) -> Any:
    if sort.field == "due_at":
        return (task.due_at or FAR_FUTURE).isoformat()
    if sort.field == "priority":
        return PRIORITY_RANK.get(task.priority, max(PRIORITY_RANK.values()))
    if sort.field == "created_at":
        return task.created_at.isoformat()
    return task.title


def _key_param(key: Any, sort: Sort) -> Any:
    if sort.field in ("due_at", "created_at"):
        return datetime.fromisoformat(key)
    return key


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_tasks(
    session: AsyncSession, user: User, query: TaskQuery, now: datetime
) -> tuple[list[Task], str | None]:
    stmt = select(Task).where(Task.user_id == user.id)
    if query.status == "open":
        stmt = stmt.where(col(Task.completed_at).is_(None))
    elif query.status == "completed":
        stmt = stmt.where(col(Task.completed_at).is_not(None))
    if query.priority:
        stmt = stmt.where(Task.priority == query.priority)
    if query.tag:
        stmt = stmt.where(col(Task.tags).contains([query.tag.strip().lower()]))
    if query.q:
        pattern = _like(query.q)
        stmt = stmt.where(
            or_(
                col(Task.title).ilike(pattern, escape="\\"),
                col(Task.description).ilike(pattern, escape="\\"),
            )
        )
    if query.due_before:
        stmt = stmt.where(col(Task.due_at) < query.due_before)
    if query.due_after:
        stmt = stmt.where(col(Task.due_at) > query.due_after)
    if query.overdue:
        stmt = stmt.where(col(Task.due_at) < now, col(Task.completed_at).is_(None))
    expr = _sort_expr(query.sort)
    if query.cursor is not None:
        after = tuple_(expr, col(Task.id))
        bound = tuple_(_key_param(query.cursor.key, query.sort), query.cursor.id)
        stmt = stmt.where(after < bound if query.sort.descending else after > bound)
    order = [expr.desc(), col(Task.id).desc()] if query.sort.descending else [expr, col(Task.id)]
    stmt = stmt.order_by(*order).limit(query.limit + 1)
    rows = list((await session.exec(stmt)).all())
    items = rows[: query.limit]
    next_cursor = None
    if len(rows) > query.limit:
        last = items[-1]
        next_cursor = Cursor(query.sort, _key_of(last, query.sort), last.id).encode()
    return items, next_cursor
