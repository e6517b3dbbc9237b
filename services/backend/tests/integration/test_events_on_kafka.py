"""On the real stack: a registration reaches a Kafka subscriber once, as the outbox wrote it."""

import time
import uuid

import pytest

from devstack.event_recorder import recording
from devstack.testing import RunningStack

pytestmark = pytest.mark.integration


def test_user_registered_arrives_once_with_the_outbox_id(running_stack: RunningStack) -> None:
    email = f"kafka-{uuid.uuid4().hex[:8]}@example.com"
    with (
        recording(running_stack.stack, "event-watcher", ("user.registered",)) as events,
        running_stack.app("backend") as backend,
    ):
        answer = backend.post(
            "/api/auth/register", json={"email": email, "password": "kafka-pass-1"}
        )
        assert answer.status_code == 201, answer.text
        user_id = answer.json()["id"]
        events.wait_for(lambda e: e.data.get("userId") == user_id)
        time.sleep(2)  # a duplicate would arrive in this window
        mine = events.matching(lambda e: e.data.get("userId") == user_id)
    assert len(mine) == 1
    event = mine[0]
    assert event.type == "user.registered" and event.source == "backend"
    assert event.data["email"] == email and event.data["schemaVersion"] == 1
    rows = running_stack.query("todo", f"SELECT id FROM outbox WHERE partition_key = '{user_id}'")
    assert rows == [[event.id]]  # the outbox row id, not one Dapr made up
