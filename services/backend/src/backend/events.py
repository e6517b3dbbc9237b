"""The events the backend publishes: versioned JSON payloads (camelCase, ids as strings,
UTC ISO 8601 times), defined once here; `contracts/` holds their JSON Schemas for consumers."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from backend.db.models import OutboxEvent


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


def outbox_row(event: Event, user_id: str) -> OutboxEvent:
    """The outbox row for `event`, keyed by user so one user's events stay in order."""
    return OutboxEvent(
        topic=event.topic,
        partition_key=user_id,
        payload=event.payload(),
    )


CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def json_schemas() -> dict[str, dict[str, Any]]:
    """Each topic's payload as a JSON Schema (by alias: what goes on the wire)."""
    return {
        event.topic: {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:todo:events:{event.topic}:v1",
            **event.model_json_schema(by_alias=True, mode="serialization"),
        }
        for event in ALL_EVENTS
    }


def write_contracts(folder: Path = CONTRACTS) -> list[Path]:
    """`python -m backend.events`: (re)write contracts/<topic>.schema.json."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for topic, schema in json_schemas().items():
        path = folder / f"{topic}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_contracts():
        print(path)
