"""The outbox survives a crash between commit and publish: SIGKILL the backend with the event
committed and not yet published; the restarted backend publishes it exactly once, same id."""

import dataclasses
import os
import secrets
import signal
import subprocess
import threading
import time
import uuid
from typing import Any

import pytest
from fastapi import FastAPI

from dapr_common import CloudEvent, DaprSettings, Subscriptions
from devstack import processes
from devstack.testing import RunningStack, extra_app

pytestmark = pytest.mark.integration


def test_event_committed_before_a_crash_is_published_once_after_restart(
    running_stack: RunningStack,
) -> None:
    stack = running_stack.stack
    received: list[CloudEvent[dict[str, Any]]] = []
    lock = threading.Lock()
    token = secrets.token_urlsafe(16)
    app = FastAPI()
    app.state.dapr_settings = DaprSettings(app_api_token=token)  # type: ignore[arg-type]
    subs = Subscriptions()

    @subs.topic("user.registered")
    async def record(event: CloudEvent[dict[str, Any]]) -> None:
        with lock:
            received.append(event)

    app.include_router(subs.router)
    normal = stack.app_spec("backend")
    # The same backend with its relay held back: what a crash right after the commit leaves.
    held = dataclasses.replace(normal, env={**dict(normal.env), "OUTBOX_RELAY": "false"})  # type: ignore[arg-type]
    email = f"crash-{uuid.uuid4().hex[:8]}@example.com"
    with extra_app(stack, "crash-watcher", app, app_api_token=token):
        current = stack.table.load("backend")
        assert current is not None
        processes.stop(current)
        crashed = processes.start(held, stack.table)
        try:
            processes.wait_ready(held, crashed)
            with running_stack.app("backend") as backend:
                answer = backend.post(
                    "/api/auth/register", json={"email": email, "password": "crash-pass-1"}
                )
                assert answer.status_code == 201, answer.text
                user_id = answer.json()["id"]
            time.sleep(2)
            with lock:
                assert not [e for e in received if e.data.get("userId") == user_id], (
                    "relay was not held"
                )
            os.killpg(crashed.pid, signal.SIGKILL)
        finally:
            restarted = processes.start(normal, stack.table)
            processes.wait_ready(normal, restarted)
        deadline = time.monotonic() + 60
        while True:
            with lock:
                mine = [e for e in received if e.data.get("userId") == user_id]
            if mine:
                break
            assert time.monotonic() < deadline, "the committed event was never published"
            time.sleep(0.1)
        time.sleep(3)  # a second publish would show up here
    with lock:
        mine = [e for e in received if e.data.get("userId") == user_id]
    assert len(mine) == 1
    assert mine[0].data["email"] == email
    pg = running_stack.endpoints["infra"]["postgres"]
    row = subprocess.run(
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
            f"SELECT id, sent_at IS NOT NULL FROM outbox WHERE partition_key = '{user_id}'",
        ],
        env={"PGPASSWORD": stack.secrets["postgres-password"]},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert row == f"{mine[0].id}|t"  # published under the row's id, and marked sent
