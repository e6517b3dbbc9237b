from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from ai_service.main import create_app
from ai_service.recommendations import TaskSummary, rank_tasks
from dapr_common import DaprSettings

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def task(
    id: str, priority: str = "medium", due: timedelta | None = None, done: bool = False
) -> TaskSummary:
    return TaskSummary(
        id=id,
        title=id,
        priority=priority,
        due_at=NOW + due if due is not None else None,  # type: ignore[arg-type]
        completed=done,
    )


def test_overdue_first_then_priority_then_soonest_due() -> None:
    tasks = [
        task("later-high", "high", timedelta(days=3)),
        task("soon-high", "high", timedelta(hours=1)),
        task("overdue-low", "low", timedelta(hours=-1)),
        task("undated-urgent", "urgent"),
        task("done-urgent", "urgent", done=True),
    ]
    ranked = [t.id for t in rank_tasks(tasks, NOW)]
    assert ranked == ["overdue-low", "undated-urgent", "soon-high", "later-high"]


def test_limit_caps_the_answer() -> None:
    assert len(rank_tasks([task(str(i)) for i in range(10)], NOW, limit=3)) == 3


def test_endpoint_requires_the_app_token_and_validates_input() -> None:
    app = create_app(DaprSettings(app_id="ai-service", app_api_token="s3cret"))  # type: ignore[arg-type]
    client = TestClient(app)
    body = {"tasks": [{"id": "a", "title": "a", "priority": "high"}]}
    assert client.post("/get-recommendations", json=body).status_code == 401
    headers = {"dapr-api-token": "s3cret"}
    ok = client.post("/get-recommendations", json=body, headers=headers)
    assert ok.status_code == 200 and ok.json()["recommended"][0]["id"] == "a"
    bad = client.post("/get-recommendations", json={"tasks": [{"id": "a"}]}, headers=headers)
    assert bad.status_code == 422
    bad_priority = {"tasks": [{"id": "a", "title": "a", "priority": "whenever"}]}
    assert (
        client.post("/get-recommendations", json=bad_priority, headers=headers).status_code == 422
    )
