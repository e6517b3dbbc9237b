"""Which open tasks to do next: the user's open tasks, ranked by ai-service."""

from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import Task, User
from dapr_common import DaprClient

MAX_TASKS = 500  # the newest open tasks ai-service ranks


async def recommend(session: AsyncSession, dapr: DaprClient, user: User, limit: int) -> Any:
    """ai-service's answer (it raises DaprError subclasses when it cannot be had)."""
    open_tasks = (
        await session.exec(
            select(Task)
            .where(Task.user_id == user.id, col(Task.completed_at).is_(None))
            .order_by(col(Task.created_at).desc())
            .limit(MAX_TASKS)
        )
    ).all()
    await session.commit()  # the connection back to the pool before the (up to 10 s) call
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
    return await dapr.invoke.post("ai-service", "get-recommendations", json=body)
