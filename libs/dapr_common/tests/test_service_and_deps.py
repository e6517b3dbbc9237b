"""The app factory and the typed glue: what handlers receive is what their signature says."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from dapr_common import CloudEvent, DaprClient, DaprSettings, JobHandlers, Subscriptions
from dapr_common.deps import DaprDep, Resources, ResourcesDep, provide, provided
from dapr_common.service import Startup, service_app
from dapr_common.testing import FakeSidecar

TOKEN = {"dapr-api-token": "app-tok"}


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting


def test_resources_answer_by_type_and_name_what_is_missing() -> None:
    resources = Resources()
    resources.put(Greeter("hi"))
    assert resources.get(Greeter).greeting == "hi"
    with pytest.raises(LookupError, match="provides no DaprClient"):
        resources.get(DaprClient)


def test_a_route_receives_what_the_app_provides() -> None:
    app = FastAPI()
    provide(app, Greeter("hello"))
    router = APIRouter()

    @router.get("/greet")
    async def greet(greeter: Annotated[Greeter, Depends(provided(Greeter))]) -> str:
        return greeter.greeting

    app.include_router(router)
    assert TestClient(app).get("/greet").json() == "hello"


def _demo_app(
    sidecar: FakeSidecar, routers: list[APIRouter], startup: Startup | None = None
) -> FastAPI:
    sidecar.get("/v1.0/healthz/outbound").respond(204)
    settings = DaprSettings(
        app_id="demo",
        dapr_http_endpoint=sidecar.url,
        app_api_token="app-tok",  # type: ignore[arg-type]
    )
    return service_app(
        settings,
        title="demo",
        summary="a demo",
        max_body_size=1024,
        routers=routers,
        startup=startup,
    )


def test_service_app_starts_the_client_runs_startup_and_tears_down_in_reverse() -> None:
    steps: list[str] = []

    @asynccontextmanager
    async def startup(resources: Resources) -> AsyncIterator[None]:
        assert isinstance(resources.get(DaprClient), DaprClient)  # the client came first
        resources.put(Greeter("from startup"))
        steps.append("up")
        yield
        steps.append("down")

    router = APIRouter()

    @router.get("/greet")
    async def greet(resources: ResourcesDep) -> str:
        return resources.get(Greeter).greeting

    @router.post("/echo")
    async def echo(body: dict[str, str]) -> int:
        return len(body)

    with FakeSidecar() as sidecar, TestClient(_demo_app(sidecar, [router], startup)) as client:
        assert client.get("/greet").json() == "from startup"
        assert client.get("/readyz").json() == {"status": "ready", "sidecar": "ok"}
        assert client.post("/echo", json={"a": "b"}).json() == 1
        assert client.post("/echo", json={"a": "x" * 2048}).status_code == 413  # max_body_size
        assert steps == ["up"]
    assert steps == ["up", "down"]


def test_subscribers_and_job_callbacks_receive_their_declared_dependencies() -> None:
    subs = Subscriptions()
    jobs = JobHandlers()
    seen: list[tuple[str, Any]] = []

    @subs.topic("t")
    async def on_t(event: CloudEvent[dict[str, Any]], dapr: DaprDep) -> None:
        seen.append(("event", dapr.settings.app_id))

    @jobs.handler("remind-*")
    async def on_remind(name: str, data: Any, dapr: DaprDep) -> None:
        seen.append((name, dapr.settings.app_id))

    @jobs.handler("remind-now")
    async def on_now(name: str, data: Any) -> None:
        seen.append(("exact", name))

    with (
        FakeSidecar() as sidecar,
        TestClient(_demo_app(sidecar, [subs.router, jobs.router])) as client,
    ):
        event = {"id": "e1", "data": {}}
        assert client.post("/dapr/events/pubsub/t/0", json=event, headers=TOKEN).json() == {
            "status": "SUCCESS"
        }
        assert client.post("/job/remind-7", json={}, headers=TOKEN).status_code == 200
        assert client.post("/job/remind-now", headers=TOKEN).status_code == 200
        assert client.post("/job/other", headers=TOKEN).status_code == 404
    assert seen == [("event", "demo"), ("remind-7", "demo"), ("exact", "remind-now")]


def test_job_patterns_are_a_name_or_a_prefix() -> None:
    jobs = JobHandlers()
    with pytest.raises(ValueError, match="prefix followed by one"):
        jobs.handler("remind-?")


async def test_background_runs_the_work_for_the_block_and_stops_it() -> None:
    import asyncio

    from dapr_common.service import background

    ticks: list[int] = []
    stopped = asyncio.Event()

    async def loop() -> None:
        try:
            while True:
                ticks.append(1)
                await asyncio.sleep(0.01)
        finally:
            stopped.set()

    async with background(loop(), "ticker"):
        await asyncio.sleep(0.05)
        assert ticks and not stopped.is_set()
    assert stopped.is_set()  # cancelled and awaited before the block's exit returns
    count = len(ticks)
    await asyncio.sleep(0.03)
    assert len(ticks) == count
