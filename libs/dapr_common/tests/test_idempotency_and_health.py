from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from dapr_common import DaprClient, DaprSettings, StateStoreProcessedEvents, health_router
from dapr_common.deps import provide
from dapr_common.testing import FakeSidecar


async def test_effect_and_event_id_are_one_conditional_write(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/state/statestore/profile-u1").respond(204)
    save = sidecar.post("/v1.0/state/statestore").respond(204)
    processed = StateStoreProcessedEvents(dapr)
    assert await processed.apply_once("profile-u1", "e1", lambda v: {"created": 1}) is True
    assert save.last.json() == [
        {
            "key": "profile-u1",
            "value": {"value": {"created": 1}, "applied": ["e1"]},
            "etag": "0",
            "options": {"concurrency": "first-write"},
        }
    ]


async def test_a_redelivery_changes_nothing(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/state/statestore/profile-u1").respond(
        200, json={"value": {"created": 1}, "applied": ["e1"]}, headers={"etag": "4"}
    )
    processed = StateStoreProcessedEvents(dapr)
    assert await processed.apply_once("profile-u1", "e1", lambda v: {"created": 99}) is False


async def test_a_lost_race_rereads_and_applies_on_the_new_value(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/state/statestore/p").respond(
        200, json={"value": 1, "applied": ["a"]}, headers={"etag": "1"}
    ).respond(200, json={"value": 5, "applied": ["a", "b"]}, headers={"etag": "2"})
    save = (
        sidecar.post("/v1.0/state/statestore")
        .respond(409, json={"errorCode": "ERR_STATE_SAVE"})
        .respond(204)
    )
    processed = StateStoreProcessedEvents(dapr, remember=2)
    assert await processed.apply_once("p", "c", lambda v: v + 1) is True
    assert save.last.json()[0]["value"] == {
        "value": 6,
        "applied": ["b", "c"],
    }
    assert save.last.json()[0]["etag"] == "2"


def test_readyz_follows_the_sidecar_outbound_health(
    settings: DaprSettings, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/healthz/outbound").respond(204).respond(500)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with DaprClient(settings) as dapr:
            provide(app, dapr)
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(health_router())
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").status_code == 200
        assert client.get("/readyz").status_code == 503


def test_readyz_names_the_extra_check_that_failed(
    settings: DaprSettings, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/healthz/outbound").respond(204)
    database_up = [True, False]

    async def database(resources: object) -> bool:
        return database_up.pop(0)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with DaprClient(settings) as dapr:
            provide(app, dapr)
            yield

    app = FastAPI(lifespan=lifespan)
    app.include_router(health_router({"database": database}))
    with TestClient(app) as client:
        ok = client.get("/readyz")
        assert ok.status_code == 200
        assert ok.json() == {"status": "ready", "sidecar": "ok", "database": "ok"}
        down = client.get("/readyz")
        assert down.status_code == 503
        assert down.json() == {"status": "not ready", "sidecar": "ok", "database": "unavailable"}
