"""The event contracts consumers load are the ones the backend publishes."""

import json
from datetime import UTC, datetime

import jsonschema

from backend.contracts import CONTRACTS, json_schemas
from backend.domain.events import TaskCompleted, TaskCreated, UserRegistered

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
COMPLETED = TaskCompleted(
    task_id="t1",
    user_id="u1",
    version=2,
    title="x",
    due_at=None,
    completed_at=NOW,
    next_task_id=None,
)


def test_contract_files_are_up_to_date() -> None:
    for topic, schema in json_schemas().items():
        on_disk = json.loads((CONTRACTS / f"{topic}.schema.json").read_text())
        assert on_disk == schema, f"run `uv run python -m backend.contracts` ({topic} changed)"


def test_payloads_validate_and_are_camel_case() -> None:
    events = [
        UserRegistered(
            user_id="u1",
            email="a@b.c",
            display_name="A",
            timezone="UTC",
            channels=["in-app", "email"],
            registered_at=NOW,
        ),
        TaskCreated(
            task_id="t1",
            user_id="u1",
            version=1,
            title="x",
            description="",
            priority="high",
            tags=["a"],
            due_at=None,
            remind_before_minutes=30,
            recurrence=None,
            created_at=NOW,
        ),
        COMPLETED,
    ]
    for event in events:
        payload = event.payload()
        schema = json.loads((CONTRACTS / f"{event.topic}.schema.json").read_text())
        jsonschema.validate(payload, schema)
        assert all("_" not in key for key in payload), payload
        assert payload["schemaVersion"] == 1


def test_a_payload_missing_a_field_is_rejected_by_its_contract() -> None:
    schema = json.loads((CONTRACTS / "task.completed.schema.json").read_text())
    payload = COMPLETED.payload()
    del payload["taskId"]
    try:
        jsonschema.validate(payload, schema)
    except jsonschema.ValidationError as exc:
        assert "taskId" in exc.message
    else:
        raise AssertionError("the contract accepted a payload without taskId")
