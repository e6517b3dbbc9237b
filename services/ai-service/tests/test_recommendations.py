from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ai_service.domain import profile
from ai_service.domain.ranking import OpenTask, rank, score
from ai_service.main import create_app
from dapr_common import DaprSettings
from dapr_common.testing import FakeSidecar

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def task(
    id: str, priority: str = "medium", due: timedelta | None = None, age_days: float = 0
) -> OpenTask:
    return OpenTask(
        id,
        id,
        priority,
        NOW + due if due is not None else None,  # type: ignore[arg-type]
        NOW - timedelta(days=age_days),
    )


def test_overdue_urgent_first_then_due_soon_then_priority() -> None:
    tasks = [
        task("later-high", "high", timedelta(days=10)),
        task("soon-low", "low", timedelta(hours=3)),
        task("overdue-urgent", "urgent", timedelta(hours=-2)),
        task("undated-urgent", "urgent"),
    ]
    assert [r.task_id for r in rank(tasks, NOW)] == [
        "overdue-urgent",
        "soon-low",
        "undated-urgent",
        "later-high",
    ]


def test_reasons_explain_the_score() -> None:
    points, reasons = score(task("x", "urgent", timedelta(hours=-3), age_days=8), NOW)
    assert reasons == ("overdue by 3 h", "urgent priority", "open for 8 days")
    assert points == 60 + 3 + 35 + 8


def test_limit_and_stable_order_for_equal_tasks() -> None:
    tasks = [task(f"t{i}") for i in range(10)]
    first = rank(tasks, NOW, limit=3)
    assert [r.task_id for r in first] == ["t0", "t1", "t2"]
    assert rank(list(reversed(tasks)), NOW, limit=3) == first


@pytest.fixture
def sidecar() -> Iterator[FakeSidecar]:
    with FakeSidecar(assert_all_called=False) as fake:
        fake.get("/v1.0/healthz/outbound").respond(204)  # the app waits for its sidecar
        yield fake


@pytest.fixture
def client(sidecar: FakeSidecar) -> Iterator[TestClient]:
    settings = DaprSettings(
        app_id="ai-service",
        dapr_http_endpoint=sidecar.url,
        app_api_token="s3cret",  # type: ignore[arg-type]
    )
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_endpoint_contract(client: TestClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/state/statestore/history-u1").respond(204)
    body = {
        "userId": "u1",
        "now": NOW.isoformat(),
        "limit": 2,
        "tasks": [
            {"id": "a", "title": "a", "priority": "low"},
            {
                "id": "b",
                "title": "b",
                "priority": "urgent",
                "dueAt": (NOW - timedelta(hours=1)).isoformat(),
            },
        ],
    }
    assert client.post("/get-recommendations", json=body).status_code == 401
    headers = {"dapr-api-token": "s3cret"}
    answer = client.post("/get-recommendations", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["taskId"] for i in items] == ["b", "a"] and items[0]["reasons"][0] == "overdue by 1 h"
    assert answer.json()["generatedAt"].startswith("2026-11-27T12:00:00")
    assert answer.json()["usedHistory"] is True
    for bad in (
        {"tasks": [{"id": "a"}]},
        {"tasks": [], "limit": 0},
        {"tasks": [{"id": "a", "title": "a", "priority": "whenever"}]},
        {"tasks": [{"id": "a", "title": "a", "dueAt": "2026-12-01T10:00:00"}]},
    ):
        assert client.post("/get-recommendations", json=bad, headers=headers).status_code == 422


def history_of(*completions: tuple[list[str], datetime, datetime | None]) -> dict[str, Any]:
    h: profile.History = {"done": {}}
    for i, (tags, done_at, due) in enumerate(completions):
        facts = profile.announced(
            None, tags=tags, priority="medium", due_at=due, changed_at=done_at
        )
        facts = profile.completed(facts, completed_at=done_at)
        h = profile.recorded(h, task_id=f"h{i}", facts=facts)
    return h


def test_the_profile_explains_the_ranking(client: TestClient, sidecar: FakeSidecar) -> None:
    morning = NOW.replace(hour=8)  # 09:00 in Paris
    stored = history_of(*[(["work"], morning - timedelta(days=d), None) for d in range(1, 5)])
    sidecar.get("/v1.0/state/statestore/history-u2").respond(
        200, json=stored, headers={"ETag": "3"}
    )
    body = {
        "userId": "u2",
        "now": morning.isoformat(),
        "timezone": "Europe/Paris",
        "tasks": [
            {"id": "home", "title": "home", "tags": ["home"]},
            {"id": "work", "title": "work", "tags": ["work"]},
        ],
    }
    answer = client.post("/get-recommendations", json=body, headers={"dapr-api-token": "s3cret"})
    first = answer.json()["items"][0]
    assert first["taskId"] == "work"
    assert first["reasons"] == [
        "you often finish 'work' tasks",
        "you usually finish 'work' tasks in the morning",
    ]


def test_without_the_profile_it_still_ranks(client: TestClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/state/statestore/history-u3").respond(500, json={"message": "redis down"})
    body = {"userId": "u3", "tasks": [{"id": "a", "title": "a"}]}
    answer = client.post("/get-recommendations", json=body, headers={"dapr-api-token": "s3cret"})
    assert answer.status_code == 200 and answer.json()["usedHistory"] is False


def test_health_and_subscriptions(client: TestClient, sidecar: FakeSidecar) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    sidecar.get("/v1.0/healthz/outbound").clear().respond(500)
    assert client.get("/readyz").status_code == 503
    subs = client.get("/dapr/subscribe", headers={"dapr-api-token": "s3cret"}).json()
    assert {s["topic"]: s["deadLetterTopic"] for s in subs} == {
        "task.created": "dlq-task-created",
        "task.updated": "dlq-task-updated",
        "task.completed": "dlq-task-completed",
        "task.deleted": "dlq-task-deleted",
    }
