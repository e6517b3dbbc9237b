"""The outbox survives a crash between commit and publish: SIGKILL the backend with the event
committed and not yet published; the restarted backend publishes it exactly once, same id."""

import dataclasses
import os
import signal
import time
import uuid

import pytest

from devstack import processes, topology
from devstack.event_recorder import recording
from devstack.testing import RunningStack

pytestmark = [pytest.mark.integration, pytest.mark.disruptive]


def test_event_committed_before_a_crash_is_published_once_after_restart(
    running_stack: RunningStack,
) -> None:
    stack = running_stack.stack
    normal = topology.spec(stack, "backend")
    # The same backend with its relay held back: what a crash right after the commit leaves.
    held = dataclasses.replace(normal, env={**dict(normal.env), "OUTBOX_RELAY": "false"})  # type: ignore[arg-type]
    email = f"crash-{uuid.uuid4().hex[:8]}@example.com"
    with recording(stack, "crash-watcher", ("user.registered",)) as events:
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
            assert not events.matching(lambda e: e.data.get("userId") == user_id), "relay not held"
            os.killpg(crashed.pid, signal.SIGKILL)
        finally:
            restarted = processes.start(normal, stack.table)
            processes.wait_ready(normal, restarted)
        events.wait_for(lambda e: e.data.get("userId") == user_id)
        time.sleep(3)  # a second publish would show up here
        mine = events.matching(lambda e: e.data.get("userId") == user_id)
    assert len(mine) == 1
    assert mine[0].data["email"] == email
    rows = running_stack.query(
        "todo", f"SELECT id, sent_at IS NOT NULL FROM outbox WHERE partition_key = '{user_id}'"
    )
    assert rows == [[mine[0].id, "t"]]  # published under the row's id, and marked sent
