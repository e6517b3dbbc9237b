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
    task_id: str
    user_id: str
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
    topic: ClassVar[str] = "task.completed"
    task_id: str
    user_id: str
    completed_at: datetime
    next_task_id: str | None


class TaskDeleted(Event):
    topic: ClassVar[str] = "task.deleted"
    task_id: str
    user_id: str
    deleted_at: datetime


ALL_EVENTS: tuple[type[Event], ...] = (
    UserRegistered,
    TaskCreated,
    TaskUpdated,
    TaskCompleted,
    TaskDeleted,
)
