"""The backend on the real stack: task events on Kafka once each, the task-list cache, a
reminder on time, and a callee that goes down answered with a 503 that does not hang."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from backend.service_layer import task_cache
from dapr_common import DaprClient, DaprSettings
from devstack import processes, topology
from devstack.event_recorder import recording
from devstack.testing import RunningStack

pytestmark = pytest.mark.integration

TOPICS = ("task.created", "task.updated", "task.completed", "task.deleted")


def signed_up(backend: httpx.Client) -> dict[str, str]:
    email = f"it-{uuid.uuid4().hex[:8]}@example.com"
    assert (
        backend.post(
            "/api/auth/register", json={"email": email, "password": "it-pass-123"}
        ).status_code
        == 201
    )
    token = backend.post("/api/auth/login", json={"email": email, "password": "it-pass-123"}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_task_events_arrive_once_each(running_stack: RunningStack) -> None:
    due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    with (
        recording(running_stack.stack, "task-watcher", TOPICS) as events,
        running_stack.app("backend") as backend,
    ):
        auth = signed_up(backend)
        task = backend.post("/api/tasks", json={"title": "t", "due_at": due}, headers=auth).json()
        tid = task["id"]
        assert (
            backend.patch(f"/api/tasks/{tid}", json={"priority": "high"}, headers=auth).status_code
            == 200
        )
        assert backend.post(f"/api/tasks/{tid}/complete", headers=auth).status_code == 200
        assert backend.delete(f"/api/tasks/{tid}", headers=auth).status_code == 204
        events.wait_for(lambda e: e.data.get("taskId") == tid, count=4)
        time.sleep(2)  # room for a duplicate to show up
        mine = events.matching(lambda e: e.data.get("taskId") == tid)
    # One each. Each topic keeps one user's events in order (partition key = user id), but
    # the four topics are four logs: across them, arrival order is not guaranteed.
    assert sorted(e.type for e in mine) == sorted(TOPICS)
    assert len({e.id for e in mine}) == 4
    by_type = {e.type: e for e in mine}
    assert by_type["task.updated"].data["priority"] == "high"
    assert by_type["task.completed"].data["nextTaskId"] is None


@pytest.mark.disruptive
def test_a_callee_that_is_down_is_a_quick_503_and_recovers(running_stack: RunningStack) -> None:
    stack = running_stack.stack
    with running_stack.app("backend") as backend:
        auth = signed_up(backend)
        assert backend.get("/api/me/recommendations", headers=auth).status_code == 200
        ai = stack.table.load("ai-service")
        assert ai is not None
        processes.stop(ai)
        try:
            t0 = time.monotonic()
            answer = backend.get("/api/me/recommendations", headers=auth)
            elapsed = time.monotonic() - t0
            assert answer.status_code == 503, answer.text
            assert "ai-service is unavailable" in answer.json()["detail"]
            assert elapsed < 15, f"took {elapsed:.1f}s"
        finally:
            spec = topology.spec(stack, "ai-service")
            processes.wait_ready(spec, processes.start(spec, stack.table))
        deadline = time.monotonic() + 45  # the circuit breaker stays open for up to 15 s
        while backend.get("/api/me/recommendations", headers=auth).status_code != 200:
            assert time.monotonic() < deadline, "ai-service did not come back"
            time.sleep(1)


def test_task_list_cache_on_real_redis(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        auth = signed_up(backend)
        # a new user's key is empty: the first miss plants a tombstone, the second fills
        assert backend.get("/api/tasks", headers=auth).headers["x-cache"] == "miss"
        assert backend.get("/api/tasks", headers=auth).headers["x-cache"] == "miss"
        cached = backend.get("/api/tasks", headers=auth)
        assert cached.headers["x-cache"] == "hit" and cached.json()["items"] == []
        task = backend.post("/api/tasks", json={"title": "new"}, headers=auth).json()
        fresh = backend.get("/api/tasks", headers=auth)
        assert fresh.headers["x-cache"] == "miss"
        assert [t["id"] for t in fresh.json()["items"]] == [task["id"]]


async def test_a_list_read_before_a_write_is_never_put_back_after_it(
    running_stack: RunningStack,
) -> None:
    """Replica A misses and reads the list from the database; replica B commits a write and
    drops the cache; then A fills. Real Redis through backend's sidecar, the two orders that
    lose: a miss on a tombstone, and a miss on an empty key."""
    app = running_stack.endpoints["apps"]["backend"]
    settings = DaprSettings(
        dapr_http_endpoint=app["dapr_http"], dapr_api_token=app["dapr_api_token"]
    )  # type: ignore[arg-type]
    stale = {"items": [], "next_cursor": None}
    async with DaprClient(settings) as dapr:
        user = f"race-{uuid.uuid4().hex[:8]}"
        await task_cache.drop(dapr, user)  # an earlier write: a tombstone is there
        for _ in range(2):  # first on the tombstone, then on the empty key
            seen = await task_cache.lookup(dapr, user)  # A: a miss, then reads the database
            assert seen.page is None
            await task_cache.drop(dapr, user)  # B: commits a write, drops the list
            await task_cache.fill(dapr, user, stale, seen)  # A: fills what it read before
            assert (await task_cache.lookup(dapr, user)).page is None, "stale list served"
            await dapr.state.delete(task_cache.key(user))
        # and with no write between the miss and the fill, the fill lands (after a tombstone)
        await task_cache.drop(dapr, user)
        seen = await task_cache.lookup(dapr, user)
        await task_cache.fill(dapr, user, stale, seen)
        assert (await task_cache.lookup(dapr, user)).page == stale
        await dapr.state.delete(task_cache.key(user))


def test_a_reminder_arrives_as_a_notification_on_time(running_stack: RunningStack) -> None:
    """A task due in 70 s with a 1-minute reminder: the scheduler fires ~10 s from now, the
    backend checks the task and asks notification-service to notify."""
    with running_stack.app("backend") as backend:
        auth = signed_up(backend)
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=70)
        remind_at = due - timedelta(minutes=1)
        task = backend.post(
            "/api/tasks",
            json={"title": "stand up", "due_at": due.isoformat(), "remind_before_minutes": 1},
            headers=auth,
        ).json()
        deadline = remind_at + timedelta(seconds=20)
        while True:
            items = backend.get("/api/me/notifications", headers=auth).json()["items"]
            reminders = [n for n in items if n["type"] == "reminder" and n["taskId"] == task["id"]]
            if reminders:
                break
            assert datetime.now(UTC) < deadline, "no reminder 20 s after it was due"
            time.sleep(0.5)
        late = (datetime.now(UTC) - remind_at).total_seconds()
        assert reminders[0]["title"] == "Reminder: stand up"
        assert len(reminders) == 1
        assert late < 20, late


def test_welcome_and_completion_notifications_through_kafka(running_stack: RunningStack) -> None:
    """backend → outbox → Kafka → notification-service → listed back through the backend."""
    with running_stack.app("backend") as backend:
        auth = signed_up(backend)
        task = backend.post("/api/tasks", json={"title": "ship it"}, headers=auth).json()
        assert backend.post(f"/api/tasks/{task['id']}/complete", headers=auth).status_code == 200
        deadline = time.monotonic() + 60
        while True:
            items = backend.get("/api/me/notifications", headers=auth).json()["items"]
            types = sorted(n["type"] for n in items)
            if types == ["task_completed", "welcome"]:
                break
            assert time.monotonic() < deadline, types
            time.sleep(0.5)
        done = next(n for n in items if n["type"] == "task_completed")
        assert done["taskId"] == task["id"]
