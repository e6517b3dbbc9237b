"""On the real stack: a registration reaches a Kafka subscriber once, as the outbox wrote it."""

import secrets
import subprocess
import threading
import time
import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from dapr_common import CloudEvent, DaprSettings, Subscriptions
from devstack.testing import RunningStack, extra_app

pytestmark = pytest.mark.integration


def test_user_registered_arrives_once_with_the_outbox_id(running_stack: RunningStack) -> None:
    received: list[CloudEvent[dict[str, Any]]] = []
    lock = threading.Lock()
    token = secrets.token_urlsafe(16)
    app = FastAPI()
    app.state.dapr_settings = DaprSettings(app_api_token=token)  # type: ignore[arg-type]
    subs = Subscriptions()

    @subs.topic("user.registered")
    async def on_registered(event: CloudEvent[dict[str, Any]]) -> None:
        with lock:
            received.append(event)

    app.include_router(subs.router)
    email = f"kafka-{uuid.uuid4().hex[:8]}@example.com"
    with (
        extra_app(running_stack.stack, "event-watcher", app, app_api_token=token),
        running_stack.app("backend") as backend,
    ):
        answer = backend.post(
            "/api/auth/register", json={"email": email, "password": "kafka-pass-1"}
        )
        assert answer.status_code == 201, answer.text
        user_id = answer.json()["id"]
        deadline = time.monotonic() + 60
        while not any(e.data.get("userId") == user_id for e in received):
            assert time.monotonic() < deadline, "user.registered never arrived"
            time.sleep(0.1)
        time.sleep(2)  # a duplicate would arrive in this window
    mine = [e for e in received if e.data.get("userId") == user_id]
    assert len(mine) == 1
    event = mine[0]
    assert event.type == "user.registered" and event.source == "backend"
    assert event.data["email"] == email and event.data["schemaVersion"] == 1
    pg = running_stack.endpoints["infra"]["postgres"]
    row_id = subprocess.run(
        [
            "psql",
            "-h",
            pg["host"],
            "-p",
            str(pg["port"]),
            "-U",
            pg["user"],
            "-d",
            "todo",
            "-tAc",
            f"SELECT id FROM outbox WHERE partition_key = '{user_id}'",
        ],
        env={"PGPASSWORD": running_stack.stack.secrets["postgres-password"]},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert event.id == row_id  # the outbox row id, not one Dapr made up
