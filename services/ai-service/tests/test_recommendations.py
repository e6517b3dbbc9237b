from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from ai_service.main import create_app
from ai_service.recommendations import OpenTask, rank, score
from dapr_common import DaprSettings

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


def test_endpoint_contract() -> None:
    app = create_app(DaprSettings(app_id="ai-service", app_api_token="s3cret"))  # type: ignore[arg-type]
    client = TestClient(app)
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
    for bad in (
        {"tasks": [{"id": "a"}]},
        {"tasks": [], "limit": 0},
        {"tasks": [{"id": "a", "title": "a", "priority": "whenever"}]},
        {"tasks": [{"id": "a", "title": "a", "dueAt": "2026-12-01T10:00:00"}]},
    ):
        assert client.post("/get-recommendations", json=bad, headers=headers).status_code == 422
