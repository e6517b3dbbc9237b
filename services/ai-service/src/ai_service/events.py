"""ai-service's subscriptions: the backend's task events build each user's activity profile.

Each event changes the small facts value of its task (`task-<task id>`, ETag-guarded) and, once
the task is completed, the user's history (`history-<user id>`). Both converge whatever the
order or repetition of deliveries (profile.py), which is what makes these subscribers
idempotent: a redelivered event rewrites nothing. Values expire through state TTLs: a task's
facts a year after the last announcement, 30 days after the last completion or the deletion.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from fastapi import Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ai_service import profile
from dapr_common import CloudEvent, Subscriptions

subscriptions = Subscriptions()

OPEN_TTL = timedelta(days=365)
CLOSED_TTL = timedelta(days=30)
HISTORY_TTL = timedelta(days=365)


def task_key(task_id: str) -> str:
    return f"task-{task_id}"


def history_key(user_id: str) -> str:
    return f"history-{user_id}"


class Store(Protocol):
    """`dapr.state` as used here (an in-memory one in the tests)."""

    async def update(
        self, key: str, change: Callable[[Any], Any], *, ttl: timedelta | None = None
    ) -> Any: ...


async def apply(
    store: Store,
    user_id: str,
    task_id: str,
    change: Callable[[Any], profile.Facts],
    ttl: timedelta,
) -> None:
    """One event: change the task's facts, then carry a completed task's facts to the
    user's history (again on a redelivery, which also finishes a write a crash cut short)."""
    facts = await store.update(task_key(task_id), change, ttl=ttl)
    if "completedAt" in facts:
        await store.update(
            history_key(user_id),
            lambda h: profile.recorded(h, task_id=task_id, facts=facts),
            ttl=HISTORY_TTL,
        )


class Incoming(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    task_id: str = Field(min_length=1, max_length=36)
    user_id: str = Field(min_length=1, max_length=36)


class TaskAnnounced(Incoming):
    tags: list[str] = Field(default_factory=list, max_length=50)
    priority: str = "medium"
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class TaskCompleted(Incoming):
    completed_at: AwareDatetime


class TaskDeleted(Incoming):
    pass


async def _announced(event: CloudEvent[TaskAnnounced], request: Request) -> None:
    t = event.data
    changed = t.updated_at or t.created_at or datetime.fromtimestamp(0, UTC)
    await apply(
        request.app.state.dapr.state,
        t.user_id,
        t.task_id,
        lambda f: profile.announced(
            f, tags=t.tags, priority=t.priority, due_at=t.due_at, changed_at=changed
        ),
        OPEN_TTL,
    )


@subscriptions.topic("task.created", model=TaskAnnounced, dead_letter_topic="dlq-task-created")
async def on_task_created(event: CloudEvent[TaskAnnounced], request: Request) -> None:
    await _announced(event, request)


@subscriptions.topic("task.updated", model=TaskAnnounced, dead_letter_topic="dlq-task-updated")
async def on_task_updated(event: CloudEvent[TaskAnnounced], request: Request) -> None:
    await _announced(event, request)


@subscriptions.topic("task.completed", model=TaskCompleted, dead_letter_topic="dlq-task-completed")
async def on_task_completed(event: CloudEvent[TaskCompleted], request: Request) -> None:
    t = event.data
    await apply(
        request.app.state.dapr.state,
        t.user_id,
        t.task_id,
        lambda f: profile.completed(f, completed_at=t.completed_at),
        CLOSED_TTL,
    )


@subscriptions.topic("task.deleted", model=TaskDeleted, dead_letter_topic="dlq-task-deleted")
async def on_task_deleted(event: CloudEvent[TaskDeleted], request: Request) -> None:
    t = event.data
    await apply(request.app.state.dapr.state, t.user_id, t.task_id, profile.deleted, CLOSED_TTL)
