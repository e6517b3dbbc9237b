"""Across the three apps on the real stack: what a user sees after registering, finishing a
task or asking what to do next, and what happens to an event nobody can use."""

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
import pytest

from devstack.testing import RunningStack

pytestmark = pytest.mark.integration
T = TypeVar("T")


def eventually(check: Callable[[], T | None], what: str, timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        time.sleep(0.3)


def sign_up(backend: httpx.Client, **fields: Any) -> tuple[dict[str, Any], dict[str, str]]:
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "e2e-password-1", "display_name": "Lin", **fields}
    answer = backend.post("/api/auth/register", json=body)
    assert answer.status_code == 201, answer.text
    login = backend.post("/api/auth/login", json={"email": email, "password": "e2e-password-1"})
    return answer.json(), {"Authorization": f"Bearer {login.json()['access_token']}"}


def notifications(backend: httpx.Client, auth: dict[str, str]) -> list[dict[str, Any]]:
    answer = backend.get("/api/me/notifications", headers=auth)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["items"])


def test_welcome_in_app_and_by_email(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        user, auth = sign_up(backend, channels=["in-app", "email"], timezone="Asia/Tokyo")
        # stored first (its mail "pending"), then mailed: "sent" a moment later
        welcome = eventually(
            lambda: [
                n
                for n in notifications(backend, auth)
                if n["type"] == "welcome" and n["emailStatus"] not in (None, "pending")
            ],
            "welcome notification with its email's outcome",
        )
        assert welcome[0]["title"] == "Welcome, Lin!" and welcome[0]["emailStatus"] == "sent"
    (mail,) = eventually(lambda: running_stack.mail_to(user["email"]), "welcome mail")
    assert mail["Subject"] == "Welcome, Lin!"
    assert "Todo <todo@todo.local>" in mail["From"]
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes) and b"Hi Lin," in body


def test_no_mail_for_in_app_only_users(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        user, auth = sign_up(backend)
        eventually(
            lambda: [n for n in notifications(backend, auth) if n["type"] == "welcome"], "welcome"
        )
    time.sleep(1)
    assert running_stack.mail_to(user["email"]) == []


def test_completing_a_task_congratulates_by_name(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        _, auth = sign_up(backend)
        task = backend.post("/api/tasks", json={"title": "Renew passport"}, headers=auth).json()
        # notification-service learns the title from task.created (another topic): let it.
        time.sleep(2)
        assert backend.post(f"/api/tasks/{task['id']}/complete", headers=auth).status_code == 200
        (done,) = eventually(
            lambda: [n for n in notifications(backend, auth) if n["type"] == "task_completed"],
            "task_completed notification",
        )
    assert done["taskId"] == task["id"]
    assert done["message"].startswith('You completed "Renew passport"')


def test_recommendations_put_the_overdue_urgent_task_first_with_history(
    running_stack: RunningStack,
) -> None:
    now = datetime.now(UTC)
    with running_stack.app("backend") as backend:
        _, auth = sign_up(backend)

        def create(title: str, **fields: Any) -> str:
            answer = backend.post("/api/tasks", json={"title": title, **fields}, headers=auth)
            assert answer.status_code == 201, answer.text
            return str(answer.json()["id"])

        # A history: three 'gym' tasks done. ai-service learns it from the task events.
        for i in range(3):
            done_id = create(f"gym {i}", tags=["gym"])
            backend.post(f"/api/tasks/{done_id}/complete", headers=auth)
        overdue = create(
            "file taxes", priority="urgent", due_at=(now - timedelta(hours=5)).isoformat()
        )
        create("tidy desk", priority="low", due_at=(now + timedelta(days=9)).isoformat())
        create("gym again", tags=["gym"])

        def ranked() -> list[dict[str, Any]] | None:
            answer = backend.get("/api/me/recommendations", params={"limit": 3}, headers=auth)
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()["items"]
            gym = next(i for i in items if i["title"] == "gym again")
            return items if "you often finish 'gym' tasks" in gym["reasons"] else None

        items = eventually(ranked, "the profile to show in the ranking")
    assert items[0]["taskId"] == overdue
    assert items[0]["reasons"][:2] == ["overdue by 5 h", "urgent priority"]
    assert items[-1]["title"] == "tidy desk"


def publish(running_stack: RunningStack, topic: str, event: dict[str, Any]) -> None:
    """Publish a whole CloudEvent as the backend would (its sidecar, its identity)."""
    with running_stack.sidecar("backend") as sidecar:
        answer = sidecar.post(
            f"/v1.0/publish/pubsub/{topic}",
            content=json.dumps(event),
            headers={"content-type": "application/cloudevents+json"},
        )
        assert answer.status_code == 204, answer.text


def cloud_event(topic: str, data: Any, event_id: str | None = None) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "e2e-test",
        "type": topic,
        "datacontenttype": "application/json",
        "data": data,
    }


def test_a_poison_event_is_dead_lettered_the_topic_flows_on_and_replay_works(
    running_stack: RunningStack,
) -> None:
    with (
        running_stack.app("backend") as backend,
        running_stack.app("notification-service", app_token=True) as operator,
    ):
        _, auth = sign_up(backend)
        poison = cloud_event("task.completed", {"taskId": 42, "oops": True})
        publish(running_stack, "task.completed", poison)

        def dead_letter() -> dict[str, Any] | None:
            page = operator.get("/dead-letters", params={"topic": "task.completed"}).json()
            return next((d for d in page["items"] if d["eventId"] == poison["id"]), None)

        letter = eventually(dead_letter, "the poison event in the dead-letter store")
        assert letter["topic"] == "dlq-task-completed"
        # notification-service and ai-service both subscribe to task.completed: both give up.
        letter = eventually(
            lambda: (d := dead_letter()) and d["timesDeadLettered"] == 2 and d, "both subscribers"
        )
        assert letter["payload"]["data"] == {"taskId": 42, "oops": True}
        # the partition is not blocked: a real completion after the poison still notifies
        task = backend.post("/api/tasks", json={"title": "after poison"}, headers=auth).json()
        backend.post(f"/api/tasks/{task['id']}/complete", headers=auth)
        eventually(
            lambda: [n for n in notifications(backend, auth) if n["taskId"] == task["id"]],
            "a completion published after the poison",
        )
        # replay: still poison, so it comes back, and the same row counts it again
        replayed = operator.post(f"/dead-letters/{letter['id']}/replay")
        assert replayed.status_code == 200, replayed.text
        again = eventually(
            lambda: (d := dead_letter()) and d["timesDeadLettered"] == 4 and d,
            "the replayed poison event back in the dead-letter store",
        )
        assert again["id"] == letter["id"] and again["replayedAt"] is None


def test_a_duplicate_delivery_has_one_effect(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        user, auth = sign_up(backend)
        eventually(
            lambda: [n for n in notifications(backend, auth) if n["type"] == "welcome"], "welcome"
        )
        event = cloud_event(
            "task.completed",
            {
                "taskId": str(uuid.uuid4()),
                "userId": user["id"],
                "completedAt": "2026-11-27T10:00:00Z",
            },
        )
        for _ in range(3):  # the same CloudEvent id, delivered three times
            publish(running_stack, "task.completed", event)
        eventually(
            lambda: [n for n in notifications(backend, auth) if n["type"] == "task_completed"],
            "the completion",
        )
        time.sleep(2)  # room for the duplicates to be (not) applied
        done = [n for n in notifications(backend, auth) if n["type"] == "task_completed"]
    assert len(done) == 1


def test_logs_carry_the_trace_id_across_services(running_stack: RunningStack) -> None:
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    with running_stack.app("backend") as backend:
        _, auth = sign_up(backend)
        answer = backend.get(
            "/api/me/recommendations", headers={**auth, "traceparent": traceparent}
        )
        assert answer.status_code == 200
    logs = running_stack.stack.table.logs
    if not (logs / "backend.log").exists():
        pytest.skip("this stack's logs are not files (under Tilt, Tilt keeps them)")

    def traced(app_id: str) -> list[dict[str, Any]]:
        lines = (logs / f"{app_id}.log").read_text().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        return [
            r
            for r in records
            if r.get("trace_id") == trace_id and r["logger"] == "dapr_common.access"
        ]

    (backend_line,) = eventually(lambda: traced("backend"), "backend's access log line")
    assert backend_line["path"] == "/api/me/recommendations"
    (ai,) = eventually(lambda: traced("ai-service"), "ai-service's log line with the trace id")
    assert ai["path"] == "/get-recommendations" and ai["app_id"] == "ai-service"


def test_bad_requests_of_one_user_keep_notifications_available_to_all(
    running_stack: RunningStack,
) -> None:
    """Dapr counts every non-2xx answer of an invoked app as a failure of that app: it retries
    it unless the retry policy's `matching` excludes it, and counts it toward the circuit
    breaker (5 consecutive failures in components/resiliency-invocation.yaml), which then refuses every
    call to the app for 15 s. So what a user can provoke on purpose, such as marking a
    notification that does not exist as read, is a 2xx between the apps and a 404 only at the
    backend's edge."""
    with running_stack.app("backend") as backend:
        _, auth = sign_up(backend)
        _, other = sign_up(backend)
        for _ in range(8):  # beyond the breaker's 5, retries or not
            answer = backend.post(f"/api/me/notifications/{uuid.uuid4()}/read", headers=auth)
            assert answer.status_code == 404, answer.text
        listed = backend.get("/api/me/notifications", headers=other)
        assert listed.status_code == 200, listed.text
