"""The scheduler's callbacks: reminders and daily digests, sent through notification-service."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlmodel import col, select

from backend.db.models import Task, User
from backend.domain.reminders import digest_job_name
from backend.service_layer.preferences import preferences_or_defaults
from dapr_common import DaprClient, JobHandlers

jobs = JobHandlers()
router = jobs.router


@jobs.handler("reminder-*")
async def on_reminder(name: str, data: Any, request: Request) -> None:
    """Remind only if the task is still open and still due when the job was set for."""
    async with request.app.state.sessions() as session:
        task = await session.get(Task, str(data.get("taskId", "")))
    if task is None or task.completed_at is not None or task.due_at is None:
        return
    if task.due_at != datetime.fromisoformat(data["dueAt"]):
        return  # the due date moved; its own job will fire
    dapr: DaprClient = request.app.state.dapr
    async with request.app.state.sessions() as session:
        user = await session.get(User, task.user_id)
    assert user is not None  # a task's user is its foreign key
    prefs = await preferences_or_defaults(dapr, user)
    await dapr.invoke.post(
        "notification-service",
        "send",
        json={
            "userId": task.user_id,
            "type": "reminder",
            "data": {"taskTitle": task.title, "dueAt": task.due_at.isoformat()},
            "timezone": prefs.timezone,
            "channels": prefs.channels,
            "taskId": task.id,
            "idempotencyKey": f"{name}@{data['dueAt']}",
        },
    )


@jobs.handler("digest-*")
async def on_digest(name: str, data: Any, request: Request) -> None:
    """One notification listing the user's open tasks due today or overdue."""
    dapr: DaprClient = request.app.state.dapr
    async with request.app.state.sessions() as session:
        user = await session.get(User, str(data.get("userId", "")))
        if user is None:
            await dapr.jobs.delete(name)
            return
        prefs = await preferences_or_defaults(dapr, user)
        if not prefs.digest_enabled:
            await dapr.jobs.delete(digest_job_name(user.id))
            return
        zone = ZoneInfo(prefs.timezone)
        local_now = datetime.now(zone)
        end_of_day = (local_now + timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
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
    await dapr.invoke.post(
        "notification-service",
        "send",
        json={
            "userId": user.id,
            "type": "digest",
            "data": {
                "tasks": [
                    {"title": t.title, "dueAt": t.due_at.isoformat() if t.due_at else None}
                    for t in due
                ]
            },
            "timezone": prefs.timezone,
            "channels": prefs.channels,
            "idempotencyKey": f"{name}@{local_now.date().isoformat()}",
        },
    )
