"""Preferences, recommendations, notifications and the scheduler's callbacks."""

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from .conftest import Api

SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)


def test_preferences_default_then_saved_for_good_with_digest_job(api: Api) -> None:
    user, auth = api.new_user()
    defaults = api.client.get("/api/me/preferences", headers=auth)
    assert defaults.status_code == 200
    assert defaults.json() == {
        "timezone": "UTC",
        "digest_enabled": False,
        "digest_time": "08:00",
        "reminder_minutes_before": 30,
        "channels": ["in-app"],
    }
    job = api.sidecar.post(f"/v1.0/jobs/digest-{user['id']}").respond(204)
    save = api.sidecar.post("/v1.0/state/statestore").respond(204)
    prefs = {
        "timezone": "Europe/Paris",
        "digest_enabled": True,
        "digest_time": "07:30",
        "reminder_minutes_before": 15,
        "channels": ["in-app", "email"],
    }
    answer = api.client.put("/api/me/preferences", json=prefs, headers=auth)
    assert answer.status_code == 200 and answer.json() == prefs
    assert job.last.json()["schedule"] == "CRON_TZ=Europe/Paris 0 30 7 * * *"
    assert job.last.json()["overwrite"] is True
    assert job.last.json()["failurePolicy"] == {"constant": {"interval": "10s", "maxRetries": 90}}
    (item,) = save.last.json()
    assert item["key"] == f"prefs-{user['id']}" and item["value"] == prefs
    # kept for good (issue #15, fault 3), the TTL an older release set removed: settings nobody
    # touched for a month stay, and so does the digest
    assert item["metadata"] == {"ttlInSeconds": "-1"}


def test_turning_the_digest_off_deletes_its_job(api: Api) -> None:
    user, auth = api.new_user()
    delete = api.sidecar.delete(f"/v1.0/jobs/digest-{user['id']}").respond(204)
    api.sidecar.post("/v1.0/state/statestore").respond(204)
    assert (
        api.client.put(
            "/api/me/preferences", json={"digest_enabled": False}, headers=auth
        ).status_code
        == 200
    )
    assert delete.called


def test_bad_preferences_are_422(api: Api) -> None:
    _, auth = api.new_user()
    for body in (
        {"digest_time": "25:00"},
        {"timezone": "Nowhere/City"},
        {"channels": []},
        {"channels": ["sms"]},
        {"channels": ["email", "email"]},
        {"reminder_minutes_before": -5},
        {"colour": "blue"},
    ):
        assert api.client.put("/api/me/preferences", json=body, headers=auth).status_code == 422, (
            body
        )


def test_scheduler_down_saves_no_preferences(api: Api) -> None:
    user, auth = api.new_user()
    api.sidecar.post(f"/v1.0/jobs/digest-{user['id']}").respond(
        500, json={"errorCode": "ERR_SCHEDULE_JOB", "message": "scheduler unavailable"}
    )
    save = api.sidecar.post("/v1.0/state/statestore").respond(204)
    saves_before = save.call_count  # the login's (its attempt counter)
    answer = api.client.put("/api/me/preferences", json={"digest_enabled": True}, headers=auth)
    assert answer.status_code == 503 and "nothing was saved" in answer.json()["detail"]
    assert save.call_count == saves_before


def test_recommendations_send_the_users_open_tasks(api: Api) -> None:
    _, auth = api.new_user()
    api.sidecar.post("/v1.0/jobs/reminder-*").respond(204)
    api.client.post("/api/tasks", json={"title": "a", "priority": "urgent"}, headers=auth)
    route = api.sidecar.post("/v1.0/invoke/ai-service/method/get-recommendations").respond(
        200, json={"recommended": []}
    )
    answer = api.client.get("/api/me/recommendations?limit=3", headers=auth)
    assert answer.status_code == 200
    sent = route.last.json()
    assert sent["limit"] == 3 and [t["title"] for t in sent["tasks"]] == ["a"]


def test_a_slow_callee_does_not_drain_the_connection_pool(small_pool_api: Api) -> None:
    """Issue #15, fault 6: with a pool of 2 connections, 4 recommendation requests wait 8 s
    each on a slow ai-service; meanwhile a database route of the same replica still answers
    (holding a connection across the call, they would take both and it would wait out the
    pool's 5 s timeout: 503)."""
    api = small_pool_api
    _, auth = api.new_user()
    api.sidecar.post("/v1.0/invoke/ai-service/method/get-recommendations").respond(
        200, json={"items": []}, delay=8
    )
    slow = [
        threading.Thread(
            target=api.client.get, args=("/api/me/recommendations",), kwargs={"headers": auth}
        )
        for _ in range(4)
    ]
    for thread in slow:
        thread.start()
    time.sleep(1.0)  # all four are waiting on ai-service
    listed = api.client.get("/api/tasks?status=all", headers=auth)  # not the cache
    for thread in slow:
        thread.join(30)
    assert listed.status_code == 200, listed.text


def test_a_callee_that_is_down_is_a_503(api: Api) -> None:
    _, auth = api.new_user()
    api.sidecar.post("/v1.0/invoke/ai-service/method/get-recommendations").respond(
        500,
        json={
            "errorCode": "ERR_DIRECT_INVOKE",
            "message": "failed to invoke, id: ai-service, err: timeout",
        },
    )
    answer = api.client.get("/api/me/recommendations", headers=auth)
    assert answer.status_code == 503
    assert "ai-service is unavailable" in answer.json()["detail"]
    assert answer.headers["retry-after"] == "5"


def test_notifications_are_read_through_notification_service(api: Api) -> None:
    user, auth = api.new_user()
    listing = api.sidecar.get(
        f"/v1.0/invoke/notification-service/method/users/{user['id']}/notifications"
    ).respond(200, json={"items": []})
    assert api.client.get("/api/me/notifications?unread=true", headers=auth).json() == {"items": []}
    assert listing.last.query["unread"] == "true"
    nid = "0b8f5f3e-0000-4000-8000-000000000001"
    read = api.sidecar.post(
        f"/v1.0/invoke/notification-service/method/users/{user['id']}/notifications/{nid}/read"
    )
    read.respond(200, json={"marked": True})
    assert api.client.post(f"/api/me/notifications/{nid}/read", headers=auth).status_code == 204
    read.clear().respond(200, json={"marked": False})
    assert api.client.post(f"/api/me/notifications/{nid}/read", headers=auth).status_code == 404
    # an id that is not one never reaches notification-service (nor reshapes the path)
    for bad in ("n-1", "x%3Fy", "..%2F..%2Fsend"):
        answer = api.client.post(f"/api/me/notifications/{bad}/read", headers=auth)
        assert answer.status_code in (404, 422), (bad, answer.status_code)


def _task_due_soon(api: Api, auth: dict[str, str]) -> dict[str, Any]:
    api.sidecar.post("/v1.0/jobs/reminder-*").respond(204)
    answer = api.client.post(
        "/api/tasks", json={"title": "call mum", "due_at": SOON.isoformat()}, headers=auth
    )
    return dict(answer.json())


def test_reminder_job_sends_a_notification_only_while_it_still_applies(api: Api) -> None:
    user, auth = api.new_user()
    task = _task_due_soon(api, auth)
    send = api.sidecar.post("/v1.0/invoke/notification-service/method/send").respond(202, json={})
    job = f"/job/reminder-{task['id']}"
    data = {"taskId": task["id"], "dueAt": SOON.isoformat()}
    assert api.client.post(job, json=data).status_code == 200  # no app token configured here
    sent = send.last.json()
    assert sent["userId"] == user["id"] and sent["type"] == "reminder"
    assert sent["data"] == {"taskTitle": "call mum", "dueAt": SOON.isoformat()}
    assert sent["taskId"] == task["id"] and sent["channels"] == ["in-app"]
    assert sent["idempotencyKey"] == f"reminder-{task['id']}@{SOON.isoformat()}"
    # The due date moved since this job was set: it does nothing.
    moved = {"taskId": task["id"], "dueAt": (SOON - timedelta(hours=1)).isoformat()}
    assert api.client.post(job, json=moved).status_code == 200
    assert send.call_count == 1
    # A job for a task that no longer exists is done, not retried.
    assert (
        api.client.post(
            "/job/reminder-gone", json={"taskId": "gone", "dueAt": SOON.isoformat()}
        ).status_code
        == 200
    )


def test_digest_job_lists_open_tasks_due_today_or_overdue(api: Api) -> None:
    user, auth = api.new_user()
    api.sidecar.route("POST", "/v1.0/jobs/reminder-*").respond(204)
    now = datetime.now(UTC).replace(microsecond=0)
    overdue = now - timedelta(days=2)
    later_today = now.replace(hour=23, minute=59, second=0)
    for title, due in (
        ("overdue one", overdue),
        ("later today", later_today),
        ("next week", now + timedelta(days=7)),
        ("no date", None),
    ):
        body: dict[str, Any] = {"title": title, "remind_before_minutes": 0}
        if due is not None:
            body["due_at"] = due.isoformat()
        assert api.client.post("/api/tasks", json=body, headers=auth).status_code == 201
    prefs = {
        "timezone": "UTC",
        "digest_enabled": True,
        "digest_time": "08:00",
        "reminder_minutes_before": 30,
        "channels": ["in-app", "email"],
    }
    api.sidecar.get(f"/v1.0/state/statestore/prefs-{user['id']}").clear().respond(
        200, json=prefs, headers={"ETag": "1"}
    )
    send = api.sidecar.post("/v1.0/invoke/notification-service/method/send").respond(200, json={})
    job = f"/job/digest-{user['id']}"
    assert api.client.post(job, json={"userId": user["id"]}).status_code == 200
    sent = send.last.json()
    assert sent["type"] == "digest" and sent["channels"] == ["in-app", "email"]
    titles = [t["title"] for t in sent["data"]["tasks"]]
    assert titles == ["overdue one", "later today"]  # due first, nothing of tomorrow or undated
    assert sent["idempotencyKey"] == f"digest-{user['id']}@{datetime.now(UTC).date().isoformat()}"
    # the same day again: the same key (notification-service keeps one)
    api.client.post(job, json={"userId": user["id"]})
    assert send.last.json()["idempotencyKey"] == sent["idempotencyKey"]


def test_digest_job_of_a_user_who_turned_it_off_deletes_itself(api: Api) -> None:
    user, _ = api.new_user()
    api.sidecar.get(f"/v1.0/state/statestore/prefs-{user['id']}").clear().respond(
        200, json={"timezone": "UTC", "digest_enabled": False}, headers={"ETag": "1"}
    )
    delete = api.sidecar.delete(f"/v1.0/jobs/digest-{user['id']}").respond(204)
    assert (
        api.client.post(f"/job/digest-{user['id']}", json={"userId": user["id"]}).status_code == 200
    )
    assert delete.called


def test_a_digest_firing_during_a_state_store_blip_fails_and_keeps_its_job(api: Api) -> None:
    """Issue #15, fault 3: the preferences cannot be read; the firing fails (so the scheduler
    tries it again) instead of reading "digest off" and deleting the job for good."""
    user, _ = api.new_user()
    api.sidecar.get(f"/v1.0/state/statestore/prefs-{user['id']}").clear().respond(
        500, json={"errorCode": "ERR_STATE_GET", "message": "redis: connection refused"}
    )
    delete = api.sidecar.delete(f"/v1.0/jobs/digest-{user['id']}").respond(204)
    send = api.sidecar.post("/v1.0/invoke/notification-service/method/send").respond(200, json={})
    answer = api.client.post(f"/job/digest-{user['id']}", json={"userId": user["id"]})
    assert answer.status_code >= 500, answer.text
    assert not delete.called and not send.called


def test_a_digest_of_a_user_with_nothing_saved_is_kept_and_sent(api: Api) -> None:
    """The job exists, so the user turned the digest on; preferences that are not there (saved
    by an older release with a 30-day TTL, expired) do not turn it off."""
    user, auth = api.new_user()
    api.sidecar.route("POST", "/v1.0/jobs/reminder-*").respond(204)
    overdue = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    body = {"title": "still due", "due_at": overdue, "remind_before_minutes": 0}
    assert api.client.post("/api/tasks", json=body, headers=auth).status_code == 201
    delete = api.sidecar.delete(f"/v1.0/jobs/digest-{user['id']}").respond(204)
    send = api.sidecar.post("/v1.0/invoke/notification-service/method/send").respond(200, json={})
    answer = api.client.post(f"/job/digest-{user['id']}", json={"userId": user["id"]})
    assert answer.status_code == 200, answer.text
    assert not delete.called
    sent = send.last.json()
    assert sent["type"] == "digest" and sent["channels"] == user["channels"]
    assert [t["title"] for t in sent["data"]["tasks"]] == ["still due"]
