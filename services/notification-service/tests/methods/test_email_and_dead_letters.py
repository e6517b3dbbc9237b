"""The email channel through the SMTP binding, and the dead-letter store (fake sidecar)."""

import uuid
from typing import Any

from fastapi.testclient import TestClient

from dapr_common.testing import FakeSidecar
from notification_service.service_layer.dead_letters import TOPICS

from .conftest import eventually
from .test_events import event


def register(client: TestClient, channels: list[str]) -> str:
    uid = str(uuid.uuid4())
    data = {
        "userId": uid,
        "email": f"{uid[:8]}@example.com",
        "displayName": "Grace",
        "timezone": "Europe/Paris",
        "channels": channels,
        "registeredAt": "2026-11-27T10:00:00Z",
    }
    answer = client.post(
        "/dapr/events/pubsub/user.registered/0", json=event("user.registered", data)
    )
    assert answer.json() == {"status": "SUCCESS"}
    return uid


def email_status(client: TestClient, uid: str, kind: str) -> str | None:
    items = client.get(f"/users/{uid}/notifications").json()["items"]
    (status,) = [n["emailStatus"] for n in items if n["type"] == kind]
    return status  # type: ignore[no-any-return]


def test_welcome_by_email_when_the_user_asked_for_it(
    client: TestClient, sidecar: FakeSidecar
) -> None:
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(200)
    uid = register(client, ["in-app", "email"])
    eventually(lambda: email_status(client, uid, "welcome") == "sent", "the welcome mailed")
    (call,) = smtp.calls
    mail = call.json()
    assert mail["operation"] == "create"
    assert mail["metadata"] == {"emailTo": f"{uid[:8]}@example.com", "subject": "Welcome, Grace!"}
    assert mail["data"].startswith("<p>Hi Grace,</p>")


def test_no_email_unless_asked(client: TestClient, sidecar: FakeSidecar) -> None:
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(200)
    uid = register(client, ["in-app"])
    assert not smtp.called
    (welcome,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert welcome["emailStatus"] is None


def test_send_renders_the_template_in_the_users_timezone_and_mails_it(
    client: TestClient, sidecar: FakeSidecar
) -> None:
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(200)
    uid = register(client, ["in-app"])
    body: dict[str, Any] = {
        "userId": uid,
        "type": "reminder",
        "channels": ["in-app", "email"],
        "data": {"taskTitle": "Dentist", "dueAt": "2026-11-27T13:30:00Z"},
    }
    result = client.post("/send", json=body).json()
    assert result["delivered"] == ["in-app"]  # the mail goes out behind the answer
    eventually(lambda: email_status(client, uid, "reminder") == "sent", "the reminder mailed")
    assert smtp.last.json()["metadata"]["subject"] == "Reminder: Dentist"
    (item,) = [
        n
        for n in client.get(f"/users/{uid}/notifications").json()["items"]
        if n["type"] == "reminder"
    ]
    assert item["message"] == '"Dentist" is due Fri 27 Nov 14:30 (Europe/Paris).'


REFUSED = {"errorCode": "ERR_INVOKE_OUTPUT_BINDING", "message": "connection refused"}


def test_a_mail_the_relay_refused_is_sent_once_it_takes_mail_again(
    client: TestClient, sidecar: FakeSidecar
) -> None:
    """SMTP failing: the notification is kept, the mail retried until the relay takes it
    (it used to be marked failed at the first refusal, never retried)."""
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(500, json=REFUSED).respond(500, json=REFUSED)
    smtp.respond(200)
    uid = register(client, ["in-app"])
    result = client.post(
        "/send",
        json={"userId": uid, "type": "custom", "title": "Hi", "channels": ["in-app", "email"]},
    ).json()
    assert result["delivered"] == ["in-app"]
    eventually(lambda: email_status(client, uid, "custom") == "sent", "the mail sent at last")
    assert smtp.call_count == 3


def test_a_mail_refused_at_every_try_is_failed_with_the_error_kept(
    client: TestClient, sidecar: FakeSidecar
) -> None:
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(500, json=REFUSED)
    uid = register(client, ["in-app"])
    body = {"userId": uid, "type": "custom", "title": "Hi", "channels": ["in-app", "email"]}
    assert client.post("/send", json=body).status_code == 200
    eventually(lambda: email_status(client, uid, "custom") == "failed", "the mail given up")
    assert smtp.call_count == 3  # email_max_attempts in the tests' settings


def test_custom_without_title_is_refused(client: TestClient) -> None:
    answer = client.post("/send", json={"userId": "u", "type": "custom"})
    assert answer.status_code == 422 and "needs a title" in answer.text


def test_task_completed_names_the_task_announced_before(client: TestClient) -> None:
    uid, tid = str(uuid.uuid4()), str(uuid.uuid4())
    created = {
        "taskId": tid,
        "userId": uid,
        "title": "File taxes",
        "createdAt": "2026-11-27T09:00:00Z",
    }
    client.post("/dapr/events/pubsub/task.created/0", json=event("task.created", created))
    done = {"taskId": tid, "userId": uid, "completedAt": "2026-11-27T10:00:00Z"}
    client.post("/dapr/events/pubsub/task.completed/0", json=event("task.completed", done))
    (note,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert note["message"].startswith('You completed "File taxes"')


def test_an_older_update_does_not_overwrite_a_newer_title(client: TestClient) -> None:
    uid, tid = str(uuid.uuid4()), str(uuid.uuid4())
    newer = {"taskId": tid, "userId": uid, "title": "new", "updatedAt": "2026-11-27T11:00:00Z"}
    older = {"taskId": tid, "userId": uid, "title": "old", "createdAt": "2026-11-27T09:00:00Z"}
    client.post("/dapr/events/pubsub/task.updated/0", json=event("task.updated", newer))
    client.post("/dapr/events/pubsub/task.created/0", json=event("task.created", older))
    done = {"taskId": tid, "userId": uid}
    client.post("/dapr/events/pubsub/task.completed/0", json=event("task.completed", done))
    (note,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert '"new"' in note["message"]


def test_task_completed_before_its_task_created_still_names_the_task(client: TestClient) -> None:
    uid, tid = str(uuid.uuid4()), str(uuid.uuid4())
    done = {
        "taskId": tid,
        "userId": uid,
        "version": 2,
        "title": "Renew passport",
        "dueAt": "2026-11-28T09:00:00Z",
        "completedAt": "2026-11-27T10:00:00Z",
    }
    client.post("/dapr/events/pubsub/task.completed/0", json=event("task.completed", done))
    (note,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert note["message"].startswith('You completed "Renew passport", on time')


def test_the_higher_version_wins_whatever_the_clocks_say(client: TestClient) -> None:
    """Two replicas' clocks: the second update (version 3) was stamped a second earlier."""
    uid, tid = str(uuid.uuid4()), str(uuid.uuid4())
    second = {"taskId": tid, "userId": uid, "version": 3, "title": "second"}
    first = {"taskId": tid, "userId": uid, "version": 2, "title": "first"}
    for update, at in ((second, "2026-11-27T11:00:00Z"), (first, "2026-11-27T11:00:01Z")):
        body = event("task.updated", {**update, "updatedAt": at})
        client.post("/dapr/events/pubsub/task.updated/0", json=body)
    done = {"taskId": tid, "userId": uid}  # from a backend that does not name the task
    client.post("/dapr/events/pubsub/task.completed/0", json=event("task.completed", done))
    (note,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert '"second"' in note["message"]


def dlq_route(client: TestClient, dlq: str) -> str:
    (sub,) = [s for s in client.get("/dapr/subscribe").json() if s["topic"] == dlq]
    assert "deadLetterTopic" not in sub
    return str(sub["route"])


def test_every_dead_letter_topic_is_collected(client: TestClient) -> None:
    topics = {s["topic"] for s in client.get("/dapr/subscribe").json()}
    assert set(TOPICS) <= topics
    assert "dlq-task-completed" in TOPICS and "dlq-user-registered" in TOPICS


def test_dead_letters_are_stored_listed_and_replayed_with_the_same_id(
    client: TestClient, sidecar: FakeSidecar
) -> None:
    poison = event("task.completed", {"taskId": 42, "userId": "u-1"})
    route = dlq_route(client, "dlq-task-completed")
    assert client.post(route, json={**poison, "topic": "task.completed"}).json() == {
        "status": "SUCCESS"
    }
    page = client.get("/dead-letters", params={"topic": "task.completed", "pending": True}).json()
    (letter,) = [d for d in page["items"] if d["eventId"] == poison["id"]]
    assert letter["originalTopic"] == "task.completed" and letter["topic"] == "dlq-task-completed"
    assert letter["payload"]["data"] == {"taskId": 42, "userId": "u-1"}
    assert poison["id"] in letter["error"]

    publish = sidecar.post("/v1.0/publish/pubsub/task.completed").respond(204)
    replayed = client.post(f"/dead-letters/{letter['id']}/replay").json()
    assert replayed["replayedTo"] == "task.completed" and replayed["eventId"] == poison["id"]
    sent = publish.last
    assert sent.headers["content-type"] == "application/cloudevents+json"
    assert sent.json()["id"] == poison["id"] and sent.json()["data"] == poison["data"]
    assert sent.query["metadata.partitionKey"] == "u-1"
    pending = client.get("/dead-letters", params={"pending": True}).json()["items"]
    assert poison["id"] not in [d["eventId"] for d in pending]

    # It fails again: the same row re-opens, counted twice (one arrival per giving-up).
    client.post(route, json=poison)
    again = client.get("/dead-letters", params={"pending": True}).json()["items"]
    (row,) = [d for d in again if d["eventId"] == poison["id"]]
    assert row["id"] == letter["id"] and row["timesDeadLettered"] == 2


def test_dead_letter_of_a_non_json_payload_is_kept(client: TestClient) -> None:
    raw = {
        **event("user.registered", {}),
        "data": "not json at all",
        "datacontenttype": "text/plain",
    }
    route = dlq_route(client, "dlq-user-registered")
    assert client.post(route, json=raw).json() == {"status": "SUCCESS"}
    items = client.get("/dead-letters", params={"topic": "user.registered"}).json()["items"]
    assert any(d["payload"]["data"] == "not json at all" for d in items)


def test_replay_of_an_unknown_dead_letter_is_404(client: TestClient) -> None:
    assert client.post(f"/dead-letters/{uuid.uuid4()}/replay").status_code == 404


def test_replay_when_pubsub_is_down_is_503_and_stays_pending(
    client: TestClient, sidecar: FakeSidecar
) -> None:
    poison = event("task.created", {"nope": True})
    client.post(dlq_route(client, "dlq-task-created"), json=poison)
    (letter,) = [
        d for d in client.get("/dead-letters").json()["items"] if d["eventId"] == poison["id"]
    ]
    sidecar.post("/v1.0/publish/pubsub/task.created").respond(
        500, json={"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "message": "kafka down"}
    )
    answer = client.post(f"/dead-letters/{letter['id']}/replay")
    assert answer.status_code == 503 and "kafka down" in answer.text
    pending = client.get("/dead-letters", params={"pending": True}).json()["items"]
    assert poison["id"] in [d["eventId"] for d in pending]


def test_dead_letter_routes_need_the_app_token(client: TestClient) -> None:
    assert client.get("/dead-letters", headers={"dapr-api-token": "wrong"}).status_code == 401
    assert client.get("/dead-letters", params={"cursor": "!!"}).status_code == 400
