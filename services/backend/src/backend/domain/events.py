"""The events the backend publishes: versioned JSON payloads (camelCase, ids as strings,
UTC ISO 8601 times), defined once here; `contracts/` holds their JSON Schemas for consumers
(`python -m backend.contracts` writes them)."""

from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Event(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    topic: ClassVar[str]
    schema_version: int = 1

    def payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class UserRegistered(Event):
    topic: ClassVar[str] = "user.registered"
    user_id: str
    email: str
    display_name: str
    timezone: str
    channels: list[str]
    registered_at: datetime


class TaskFields(Event):
    """A task as it stands after the write. `version` is the task row's, bumped by every write
    of the task, which the database serializes: consumers keep the highest version they saw
    (topics are separate logs and replicas' clocks differ, so arrival order and times are no
    guide)."""

    task_id: str
    user_id: str
    version: int
    title: str
    description: str
    priority: str
    tags: list[str]
    due_at: datetime | None
    remind_before_minutes: int
    recurrence: str | None


class TaskCreated(TaskFields):
    topic: ClassVar[str] = "task.created"
    created_at: datetime


class TaskUpdated(TaskFields):
    topic: ClassVar[str] = "task.updated"
    updated_at: datetime


class TaskCompleted(Event):
    """Carries the title and due date, so a consumer that sees it before the task's
    task.created (another topic) can still name the task."""

    topic: ClassVar[str] = "task.completed"
    task_id: str
    user_id: str
    version: int
    title: str
    due_at: datetime | None
    completed_at: datetime
    next_task_id: str | None


class TaskDeleted(Event):
    """`version`: one past the task's last, as the deletion is its last write."""

    topic: ClassVar[str] = "task.deleted"
    task_id: str
    user_id: str
    version: int
    deleted_at: datetime


ALL_EVENTS: tuple[type[Event], ...] = (
    UserRegistered,
    TaskCreated,
    TaskUpdated,
    TaskCompleted,
    TaskDeleted,
)
