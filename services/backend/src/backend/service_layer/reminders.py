"""What the scheduler's jobs do: a task's reminder, a user's daily digest, each sent through
notification-service (once per job firing: the idempotency key names it). A job whose data
this code did not write is logged and done: retrying it could never succeed."""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import Task, User
from backend.domain.preferences import Preferences
from backend.domain.reminders import DigestData, JobData, ReminderData, digest_job_name
from backend.service_layer.preferences import (
    defaults,
    preferences_or_defaults,
    stored_preferences,
)
from dapr_common import DaprClient

Sessions = async_sessionmaker[AsyncSession]
log = logging.getLogger("backend.jobs")
JobT = TypeVar("JobT", bound=JobData)


def _job_data(kind: type[JobT], name: str, data: Any) -> JobT | None:
    """The job's data, or None (logged) when this backend did not write it."""
    try:
        return kind.model_validate(data)
    except ValidationError as exc:
        log.error("job %s: not a %s this backend scheduled, dropped: %s", name, kind.__name__, exc)
        return None


async def send_reminder(sessions: Sessions, dapr: DaprClient, name: str, data: Any) -> None:
    """Remind only if the task is still open and still due when the job was set for."""
    if (job := _job_data(ReminderData, name, data)) is None:
        return
    async with sessions() as session:
        task = await session.get(Task, job.task_id)
        if task is None or task.completed_at is not None or task.due_at is None:
            return
        if task.due_at != job.due_at:
            return  # the due date moved; its own job will fire
        user = await session.get(User, task.user_id)
    assert user is not None  # a task's user is its foreign key
    await _send(
        dapr,
        user,
        "reminder",
        {"taskTitle": task.title, "dueAt": task.due_at.isoformat()},
        await preferences_or_defaults(dapr, user),
        f"{name}@{job.due_at.isoformat()}",
        taskId=task.id,
    )


async def send_digest(sessions: Sessions, dapr: DaprClient, name: str, data: Any) -> None:
    """One notification listing the user's open tasks due today or overdue. The job deletes
    itself only when the user is gone or their saved preferences say the digest is off: a
    failed read of the preferences fails the firing (the scheduler retries it), and a user
    with nothing saved keeps the digest they scheduled."""
    if (job := _job_data(DigestData, name, data)) is None:
        return
    async with sessions() as session:
        user = await session.get(User, job.user_id)
    if user is None:
        await dapr.jobs.delete(name)
        return
    stored = await stored_preferences(dapr, user)
    if stored is not None and not stored.digest_enabled:
        await dapr.jobs.delete(digest_job_name(user.id))
        return
    prefs = stored or defaults(user)
    zone = ZoneInfo(prefs.timezone)
    local_now = datetime.now(zone)
    end_of_day = (local_now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    async with sessions() as session:
        due = (
            await session.exec(
                select(Task)
                .where(
                    Task.user_id == user.id,
                    col(Task.completed_at).is_(None),
                    col(Task.due_at) < end_of_day.astimezone(UTC),
                )
                .order_by(col(Task.due_at))
                .limit(50)
            )
        ).all()
    if not due:
        return
    tasks = [{"title": t.title, "dueAt": t.due_at.isoformat() if t.due_at else None} for t in due]
    await _send(dapr, user, "digest", {"tasks": tasks}, prefs, f"{name}@{local_now.date()}")


async def _send(
    dapr: DaprClient,
    user: User,
    kind: str,
    data: dict[str, Any],
    prefs: Preferences,
    idempotency_key: str,
    **extra: str,
) -> None:
    """notification-service's `send`, in the user's timezone and channels."""
    await dapr.invoke.post(
        "notification-service",
        "send",
        json={
            "userId": user.id,
            "type": kind,
            "data": data,
            "timezone": prefs.timezone,
            "channels": prefs.channels,
            "idempotencyKey": idempotency_key,
            **extra,
        },
    )
