"""The task API on a real database, with a fake sidecar for jobs and events."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.testing import RunningStack

from .conftest import Api, query

SOON = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)


@pytest.fixture
def jobs(api: Api) -> Any:
    api.sidecar.post("/v1.0/jobs/reminder-*").respond(204)
    api.sidecar.delete("/v1.0/jobs/reminder-*").respond(204)
    return api.sidecar


def create(api: Api, auth: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"title": "write the report", **fields}
    answer = api.client.post("/api/tasks", json=body, headers=auth)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_create_schedules_the_reminder_and_writes_the_event(
    api: Api, jobs: Any, running_stack: RunningStack, api_database: str
) -> None:
    _, auth = api.new_user()
    answer = api.client.post(
        "/api/tasks",
        json={
            "title": "  pay rent ",
            "priority": "high",
            "tags": ["Home", "home", "money"],
            "due_at": SOON.isoformat(),
        },
        headers=auth,
    )
    assert answer.status_code == 201, answer.text
    task = answer.json()
    assert (
        answer.headers["etag"] == '"1"' and answer.headers["location"] == f"/api/tasks/{task['id']}"
    )
    assert task["title"] == "pay rent" and task["tags"] == ["home", "money"]
    assert task["remind_before_minutes"] == 30 and task["completed"] is False
    job = jobs.post("/v1.0/jobs/reminder-*")
    call = next(c for c in job.calls if c.path == f"/v1.0/jobs/reminder-{task['id']}")
    assert datetime.fromisoformat(call.json()["dueTime"]) == SOON - timedelta(minutes=30)
    assert call.json()["overwrite"] is True and call.json()["data"]["taskId"] == task["id"]
    # a firing the callback fails is tried every 10 s for 15 min (issue #15, fault 9)
    assert call.json()["failurePolicy"] == {"constant": {"interval": "10s", "maxRetries": 90}}
    rows = query(
        running_stack,
        api_database,
        f"SELECT topic FROM outbox WHERE payload->>'taskId' = '{task['id']}'",
    )
    assert rows == [["task.created"]]


def test_a_task_without_due_date_schedules_nothing(api: Api, jobs: Any) -> None:
    _, auth = api.new_user()
    task = create(api, auth)
    assert task["due_at"] is None
    assert not any(task["id"] in c.path for c in jobs.post("/v1.0/jobs/reminder-*").calls)


@pytest.mark.parametrize(
    "body",
    [
        {"title": ""},
        {"title": "   "},
        {"title": "x" * 201},
        {"title": "t", "tags": [f"t{i}" for i in range(21)]},
        {"title": "t", "tags": ["x" * 41]},
        {"title": "t", "due_at": "2026-12-01T10:00:00"},  # no offset
        {"title": "t", "due_at": "tomorrow"},
        {"title": "t", "priority": "whenever"},
        {"title": "t", "recurrence": "daily"},  # recurring without due date
        {"title": "t", "remind_before_minutes": -1},
        {"title": "t", "owner": "someone else"},
        {"title": 42},
    ],
)
def test_bad_tasks_are_422_and_nothing_is_written(api: Api, body: dict[str, Any]) -> None:
    _, auth = api.new_user()
    answer = api.client.post("/api/tasks", json=body, headers=auth)
    assert answer.status_code == 422, answer.text
    assert api.client.get("/api/tasks?status=all", headers=auth).json()["items"] == []


def test_tasks_need_a_token(api: Api) -> None:
    assert api.client.get("/api/tasks").status_code == 401
    assert api.client.post("/api/tasks", json={"title": "t"}).status_code == 401


def test_another_users_task_is_not_found(api: Api, jobs: Any) -> None:
    _, alice = api.new_user()
    _, bob = api.new_user()
    task = create(api, alice)
    tid = task["id"]
    assert api.client.get(f"/api/tasks/{tid}", headers=bob).status_code == 404
    assert (
        api.client.patch(f"/api/tasks/{tid}", json={"title": "mine"}, headers=bob).status_code
        == 404
    )
    assert api.client.post(f"/api/tasks/{tid}/complete", headers=bob).status_code == 404
    assert api.client.delete(f"/api/tasks/{tid}", headers=bob).status_code == 404
    assert api.client.get(f"/api/tasks/{tid}", headers=alice).json()["title"] == task["title"]


def test_patch_with_if_match(api: Api, jobs: Any) -> None:
    _, auth = api.new_user()
    task = create(api, auth, due_at=SOON.isoformat())
    url = f"/api/tasks/{task['id']}"
    stale = api.client.patch(url, json={"title": "new"}, headers={**auth, "If-Match": '"7"'})
    assert stale.status_code == 412
    ok = api.client.patch(
        url, json={"title": "new", "due_at": None}, headers={**auth, "If-Match": '"1"'}
    )
    assert ok.status_code == 200, ok.text
    assert (
        ok.json()["title"] == "new" and ok.json()["due_at"] is None and ok.headers["etag"] == '"2"'
    )
    # The due date went away, so did the reminder.
    assert any(
        c.path == f"/v1.0/jobs/reminder-{task['id']}"
        for c in jobs.delete("/v1.0/jobs/reminder-*").calls
    )
    assert api.client.patch(url, json={"priority": "nope"}, headers=auth).status_code == 422


def test_delete(api: Api, jobs: Any) -> None:
    _, auth = api.new_user()
    task = create(api, auth)
    url = f"/api/tasks/{task['id']}"
    assert api.client.delete(url, headers=auth).status_code == 204
    assert api.client.get(url, headers=auth).status_code == 404
    assert api.client.delete(url, headers=auth).status_code == 404


def test_complete_is_idempotent_and_recurring_tasks_come_back(
    api: Api, jobs: Any, running_stack: RunningStack, api_database: str
) -> None:
    _, auth = api.new_user()
    task = create(api, auth, due_at=SOON.isoformat(), recurrence="weekly")
    url = f"/api/tasks/{task['id']}/complete"
    first = api.client.post(url, headers=auth)
    second = api.client.post(url, headers=auth)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    done = first.json()
    assert done["completed"] is True and done["next_task_id"]
    following = api.client.get(f"/api/tasks/{done['next_task_id']}", headers=auth).json()
    assert datetime.fromisoformat(following["due_at"]) == SOON + timedelta(weeks=1)
    assert following["recurrence"] == "weekly" and following["completed"] is False
    completed_events = query(
        running_stack,
        api_database,
        f"SELECT count(*) FROM outbox WHERE topic = 'task.completed' AND payload->>'taskId' = '{task['id']}'",
    )
    assert completed_events == [["1"]]
    reopened = api.client.post(f"/api/tasks/{task['id']}/reopen", headers=auth)
    assert reopened.status_code == 200 and reopened.json()["completed"] is False


def test_list_filters_sorts_and_pages(api: Api, jobs: Any) -> None:
    _, auth = api.new_user()
    base = SOON
    made = [
        create(
            api,
            auth,
            title=f"task {i:02d}",
            priority=["low", "medium", "high", "urgent"][i % 4],
            tags=["even"] if i % 2 == 0 else ["odd"],
            due_at=(base + timedelta(hours=i)).isoformat() if i % 3 else None,
        )
        for i in range(25)
    ]
    done = made[0]["id"]
    api.client.post(f"/api/tasks/{done}/complete", headers=auth)

    def page_through(params: str) -> list[dict[str, Any]]:
        items, cursor = [], None
        for _ in range(20):
            url = f"/api/tasks?{params}" + (f"&cursor={cursor}" if cursor else "")
            answer = api.client.get(url, headers=auth)
            assert answer.status_code == 200, answer.text
            items += answer.json()["items"]
            cursor = answer.json()["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("paging did not end")

    open_tasks = page_through("limit=7")
    assert len(open_tasks) == 24 and done not in {t["id"] for t in open_tasks}
    dues = [t["due_at"] for t in open_tasks]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated) and dues[len(dated) :] == [None] * (len(dues) - len(dated))
    assert len(page_through("status=all&limit=5&sort=-created_at")) == 25
    by_priority = page_through("sort=priority&limit=4")
    ranks = [["urgent", "high", "medium", "low"].index(t["priority"]) for t in by_priority]
    assert ranks == sorted(ranks)
    assert {t["id"] for t in page_through("tag=even&limit=3")} == {t["id"] for t in made[2::2]}
    assert [t["title"] for t in page_through("q=task%2007")] == ["task 07"]
    assert page_through("q=100%25") == []  # % is searched for, not a wildcard
    assert [t["id"] for t in page_through("status=completed")] == [done]


@pytest.mark.parametrize(
    "params",
    ["limit=0", "limit=101", "sort=size", "status=maybe", "due_before=yesterday", "priority=x"],
)
def test_bad_list_queries_are_422(api: Api, params: str) -> None:
    _, auth = api.new_user()
    assert api.client.get(f"/api/tasks?{params}", headers=auth).status_code == 422


def test_bad_cursor_is_400(api: Api) -> None:
    _, auth = api.new_user()
    answer = api.client.get("/api/tasks?cursor=not-a-cursor", headers=auth)
    assert answer.status_code == 400 and "cursor" in answer.json()["detail"]


def test_scheduler_down_fails_the_request_and_writes_nothing(api: Api) -> None:
    api.sidecar.post("/v1.0/jobs/reminder-*").respond(
        500, json={"errorCode": "ERR_SCHEDULE_JOB", "message": "scheduler unavailable"}
    )
    _, auth = api.new_user()
    answer = api.client.post(
        "/api/tasks", json={"title": "t", "due_at": SOON.isoformat()}, headers=auth
    )
    assert answer.status_code == 503 and "nothing was saved" in answer.json()["detail"]
    assert api.client.get("/api/tasks?status=all", headers=auth).json()["items"] == []


def test_default_list_fills_under_the_etag_of_its_miss(api: Api, jobs: Any) -> None:
    user, auth = api.new_user()
    saves = api.sidecar.post("/v1.0/state/statestore")
    cache = api.sidecar.get("/v1.0/state/statestore/tasklist-*")

    def saved_since(n: int) -> list[dict[str, Any]]:
        items = [call.json()[0] for call in saves.calls[n:]]
        return [item for item in items if item["key"] == f"tasklist-{user['id']}"]

    n = saves.call_count  # an empty key: the miss plants a tombstone and fills nothing
    assert api.client.get("/api/tasks", headers=auth).headers["x-cache"] == "miss"
    [planted] = saved_since(n)
    assert planted["value"] == "dropped" and "etag" not in planted
    assert planted["metadata"] == {"ttlInSeconds": "3600"}
    cache.clear().respond(200, json="dropped", headers={"etag": "7"})
    try:  # a tombstone: the fill is conditioned on its ETag
        n = saves.call_count
        assert api.client.get("/api/tasks", headers=auth).headers["x-cache"] == "miss"
        [filled] = saved_since(n)
        assert filled["etag"] == "7" and filled["value"]["items"] == []
        assert filled["metadata"] == {"ttlInSeconds": "30"}
    finally:
        cache.clear().respond(204)
    assert "x-cache" not in api.client.get("/api/tasks?priority=high", headers=auth).headers
    n = saves.call_count  # a write replaces the list with a tombstone, unconditionally
    create(api, auth)
    assert [(item["value"], "etag" in item) for item in saved_since(n)] == [("dropped", False)]
