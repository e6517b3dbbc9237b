"""What ai-service consumes: the backend's task events, each applied to the user's activity
profile (service_layer/activity.py; idempotent by construction, see there)."""

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from ai_service.domain import profile
from ai_service.service_layer.activity import CLOSED_TTL, OPEN_TTL, apply
from dapr_common import CloudEvent, DaprClient, Subscriptions
from dapr_common.deps import DaprDep

subscriptions = Subscriptions()


class Incoming(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    task_id: str = Field(min_length=1, max_length=36)
    user_id: str = Field(min_length=1, max_length=36)


class TaskAnnounced(Incoming):
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)  # None: an older backend
    tags: list[str] = Field(default_factory=list, max_length=50)
    priority: str = "medium"
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class TaskCompleted(Incoming):
    completed_at: AwareDatetime


class TaskDeleted(Incoming):
    pass


async def _announced(
    event: CloudEvent[TaskAnnounced], dapr: DaprClient, *, first: bool = False
) -> None:
    t = event.data
    changed = t.updated_at or t.created_at or datetime.fromtimestamp(0, UTC)
    await apply(
        dapr.state,
        t.user_id,
        t.task_id,
        lambda f: profile.announced(
            f,
            tags=t.tags,
            priority=t.priority,
            due_at=t.due_at,
            changed_at=changed,
            version=t.version,
        ),
        OPEN_TTL,
        first=first,
    )


@subscriptions.topic("task.created", model=TaskAnnounced, dead_letter_topic="dlq-task-created")
async def on_task_created(event: CloudEvent[TaskAnnounced], dapr: DaprDep) -> None:
    await _announced(event, dapr, first=True)


@subscriptions.topic("task.updated", model=TaskAnnounced, dead_letter_topic="dlq-task-updated")
async def on_task_updated(event: CloudEvent[TaskAnnounced], dapr: DaprDep) -> None:
    await _announced(event, dapr)


@subscriptions.topic("task.completed", model=TaskCompleted, dead_letter_topic="dlq-task-completed")
async def on_task_completed(event: CloudEvent[TaskCompleted], dapr: DaprDep) -> None:
    t = event.data
    await apply(
        dapr.state,
        t.user_id,
        t.task_id,
        lambda f: profile.completed(f, completed_at=t.completed_at),
        CLOSED_TTL,
    )


@subscriptions.topic("task.deleted", model=TaskDeleted, dead_letter_topic="dlq-task-deleted")
async def on_task_deleted(event: CloudEvent[TaskDeleted], dapr: DaprDep) -> None:
    t = event.data
    await apply(dapr.state, t.user_id, t.task_id, profile.deleted, CLOSED_TTL)
