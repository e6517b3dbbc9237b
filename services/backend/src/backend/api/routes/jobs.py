"""The scheduler's callbacks: reminders and daily digests, sent through notification-service."""

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from sqlmodel import col, select

from backend.db.models import Task, User
from backend.domain.reminders import digest_job_name
from backend.service_layer.preferences import get_preferences
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
    await dapr.invoke.post(
        "notification-service",
        "send",
        json={
            "userId": task.user_id,
            "type": "reminder",
            "title": f"Reminder: {task.title}"[:200],
            "message": f"Due {task.due_at.isoformat()}",
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
        prefs = await get_preferences(dapr, user)
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
    lines = [f"- {t.title} (due {t.due_at.astimezone(zone):%a %H:%M})" for t in due if t.due_at]
    await dapr.invoke.post(
        "notification-service",
        "send",
        json={
            "userId": user.id,
            "type": "digest",
            "title": f"Today: {len(due)} task(s) due or overdue",
            "message": "\n".join(lines),
            "channels": prefs.channels,
            "idempotencyKey": f"{name}@{local_now.date().isoformat()}",
        },
    )
