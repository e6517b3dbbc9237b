"""ai-service's subscriptions: the backend's task events build each user's activity profile.

One state-store value per user (`profile-<user id>`), changed once per CloudEvent id
(StateStoreProcessedEvents writes the change and the id in one ETag-guarded write). The
profile's facts are keyed by task id, so a replayed or reordered stream converges too.
"""

from datetime import UTC, datetime

from fastapi import Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ai_service import profile
from dapr_common import CloudEvent, StateStoreProcessedEvents, Subscriptions

subscriptions = Subscriptions()


def key(user_id: str) -> str:
    return f"profile-{user_id}"


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


def _profiles(request: Request) -> StateStoreProcessedEvents:
    return StateStoreProcessedEvents(request.app.state.dapr)


async def _announced(event: CloudEvent[TaskAnnounced], request: Request) -> None:
    t = event.data
    changed = t.updated_at or t.created_at or datetime.fromtimestamp(0, UTC)
    await _profiles(request).apply_once(
        key(t.user_id),
        event.id,
        lambda p: profile.announced(
            p,
            task_id=t.task_id,
            tags=t.tags,
            priority=t.priority,
            due_at=t.due_at,
            changed_at=changed,
        ),
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
    await _profiles(request).apply_once(
        key(t.user_id),
        event.id,
        lambda p: profile.completed(p, task_id=t.task_id, completed_at=t.completed_at),
    )


@subscriptions.topic("task.deleted", model=TaskDeleted, dead_letter_topic="dlq-task-deleted")
async def on_task_deleted(event: CloudEvent[TaskDeleted], request: Request) -> None:
    t = event.data
    await _profiles(request).apply_once(
        key(t.user_id), event.id, lambda p: profile.deleted(p, task_id=t.task_id)
    )
