from typing import Any

from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from dapr_common import DaprSettings, JobHandlers
from dapr_common.deps import provide

TOKEN = {"dapr-api-token": "app-tok"}


def make_app(jobs: JobHandlers) -> TestClient:
    app = FastAPI()
    provide(app, DaprSettings(app_api_token="app-tok"))  # type: ignore[arg-type]
    app.include_router(jobs.router)
    return TestClient(app)


def test_dispatch_by_pattern_with_decoded_data() -> None:
    jobs = JobHandlers()
    seen: list[tuple[str, Any]] = []

    @jobs.handler("reminder-*")
    async def reminder(name: str, data: Any) -> None:
        seen.append((name, data))

    @jobs.handler("digest-*")
    async def digest(name: str, data: Any, request: Request) -> None:
        seen.append((name, request.url.path))

    client = make_app(jobs)
    assert client.post("/job/reminder-7", json={"task_id": 7}, headers=TOKEN).status_code == 200
    assert client.post("/job/digest-u1", headers=TOKEN).status_code == 200
    assert seen == [("reminder-7", {"task_id": 7}), ("digest-u1", "/job/digest-u1")]


def test_unknown_job_is_404_and_failure_is_500() -> None:
    jobs = JobHandlers()

    @jobs.handler("reminder-*")
    async def reminder(name: str, data: Any) -> None:
        raise RuntimeError("db down")

    client = make_app(jobs)
    assert client.post("/job/other", headers=TOKEN).status_code == 404
    assert client.post("/job/reminder-1", headers=TOKEN).status_code == 500


def test_job_callbacks_require_the_app_token() -> None:
    jobs = JobHandlers()

    @jobs.handler("*")
    async def any_job(name: str, data: Any) -> None: ...

    assert make_app(jobs).post("/job/x").status_code == 401
