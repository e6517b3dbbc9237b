"""notification-service's subscriptions: one notification per event id, malformed ones dropped."""

import uuid
from typing import Any

from fastapi.testclient import TestClient


def event(topic: str, data: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {
        "id": event_id or str(uuid.uuid4()),
        "source": "backend",
        "type": topic,
        "specversion": "1.0",
        "topic": topic,
        "pubsubname": "pubsub",
        "data": data,
    }


def test_subscriptions_name_their_dead_letter_topics(client: TestClient) -> None:
    subs = {s["topic"]: s for s in client.get("/dapr/subscribe").json()}
    assert subs["user.registered"]["deadLetterTopic"] == "dlq-user-registered"
    assert subs["task.completed"]["deadLetterTopic"] == "dlq-task-completed"


def test_welcome_once_per_event_id(client: TestClient) -> None:
    uid = str(uuid.uuid4())
    registered = event(
        "user.registered",
        {
            "userId": uid,
            "email": "a@b.c",
            "displayName": "Ada",
            "timezone": "UTC",
            "registeredAt": "2026-11-27T10:00:00Z",
            "schemaVersion": 1,
        },
    )
    route = "/dapr/events/pubsub/user.registered/0"
    for _ in range(3):  # at-least-once delivery: the same event, three times
        answer = client.post(route, json=registered)
        assert answer.status_code == 200 and answer.json() == {"status": "SUCCESS"}
    (welcome,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert welcome["type"] == "welcome" and welcome["title"] == "Welcome, Ada!"


def test_task_completed_notification(client: TestClient) -> None:
    uid, tid = str(uuid.uuid4()), str(uuid.uuid4())
    done = event(
        "task.completed",
        {
            "taskId": tid,
            "userId": uid,
            "completedAt": "2026-11-27T10:00:00Z",
            "nextTaskId": None,
            "schemaVersion": 1,
        },
    )
    assert client.post("/dapr/events/pubsub/task.completed/0", json=done).json() == {
        "status": "SUCCESS"
    }
    (note,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert note["type"] == "task_completed" and note["taskId"] == tid


def test_a_malformed_event_is_dropped_to_its_dead_letter_topic(client: TestClient) -> None:
    bad = event("task.completed", {"taskId": 42})
    answer = client.post("/dapr/events/pubsub/task.completed/0", json=bad)
    assert answer.status_code == 200 and answer.json() == {"status": "DROP"}
