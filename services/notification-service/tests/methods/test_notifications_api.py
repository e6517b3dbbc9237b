"""notification-service's invoked methods: send once per key, list, read."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient


def user() -> str:
    return str(uuid.uuid4())


def send(client: TestClient, user_id: str, **fields: Any) -> dict[str, Any]:
    body = {"userId": user_id, "type": "custom", "title": "hello", **fields}
    answer = client.post("/send", json=body)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_send_stores_and_delivers_in_app(client: TestClient) -> None:
    uid = user()
    result = send(client, uid, message="hi there", channels=["in-app", "email"])
    assert result["delivered"] == ["in-app"]
    (item,) = client.get(f"/users/{uid}/notifications").json()["items"]
    assert item["id"] == result["id"] and item["message"] == "hi there" and item["read"] is False


def test_the_same_idempotency_key_makes_one_notification(client: TestClient) -> None:
    uid = user()
    first = send(
        client, uid, type="reminder", idempotencyKey="reminder-t1@2026-12-01T09:00:00+00:00"
    )
    second = send(
        client, uid, type="reminder", idempotencyKey="reminder-t1@2026-12-01T09:00:00+00:00"
    )
    assert first["id"] == second["id"]
    assert len(client.get(f"/users/{uid}/notifications").json()["items"]) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"type": "custom", "title": "x"},  # no userId
        {"userId": "u", "type": "spam", "title": "x"},
        {"userId": "u", "type": "custom", "title": ""},
        {"userId": "u", "type": "custom", "title": "x" * 301},
        {"userId": "u", "type": "custom", "title": "x", "channels": ["sms"]},
        {"userId": "u", "type": "custom", "title": "x", "channels": []},
        {"userId": "u", "type": "custom", "title": "x", "priority": "high"},
    ],
)
def test_bad_sends_are_422(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/send", json=body).status_code == 422


def test_list_pages_newest_first_and_filters_unread(client: TestClient) -> None:
    uid = user()
    ids = [send(client, uid, title=f"n{i}")["id"] for i in range(7)]
    seen, cursor = [], None
    while True:
        page = client.get(
            f"/users/{uid}/notifications",
            params={"limit": 3, **({"cursor": cursor} if cursor else {})},
        ).json()
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    assert client.post(f"/users/{uid}/notifications/{ids[0]}/read").json() == {"marked": True}
    unread = client.get(f"/users/{uid}/notifications", params={"unread": "true"}).json()["items"]
    assert ids[0] not in {n["id"] for n in unread} and len(unread) == 6
    assert client.get(f"/users/{uid}/notifications", params={"cursor": "junk"}).status_code == 400


def test_reading_someone_elses_or_an_unknown_notification_marks_nothing(
    client: TestClient,
) -> None:
    """A 200 saying so, not a 404: see ReadOutcome (the caller's circuit breaker)."""
    owner, other = user(), user()
    nid = send(client, owner)["id"]

    def read(uid: str, notification_id: object) -> object:
        answer = client.post(f"/users/{uid}/notifications/{notification_id}/read")
        assert answer.status_code == 200, answer.text
        return answer.json()

    assert read(other, nid) == {"marked": False}
    assert read(owner, uuid.uuid4()) == {"marked": False}
    assert read(owner, nid) == {"marked": True}
    assert read(owner, nid) == {"marked": True}  # twice is fine


def test_every_method_needs_the_app_token(client: TestClient) -> None:
    no_token = {"dapr-api-token": ""}
    assert client.post("/send", json={}, headers=no_token).status_code == 401
    assert client.get(f"/users/{user()}/notifications", headers=no_token).status_code == 401
    assert client.get("/healthz", headers=no_token).status_code == 200
