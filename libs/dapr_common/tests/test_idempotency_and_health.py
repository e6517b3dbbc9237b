import json

import httpx
import respx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dapr_common import DaprClient, StateStoreProcessedEvents, health_router


async def test_effect_and_event_id_are_one_conditional_write(
    dapr: DaprClient, sidecar: respx.MockRouter
) -> None:
    sidecar.get("/v1.0/state/statestore/profile-u1").respond(204)
    save = sidecar.post("/v1.0/state/statestore").respond(204)
    processed = StateStoreProcessedEvents(dapr)
    assert await processed.apply_once("profile-u1", "e1", lambda v: {"created": 1}) is True
    assert json.loads(save.calls.last.request.content) == [
        {
            "key": "profile-u1",
            "value": {"value": {"created": 1}, "applied": ["e1"]},
            "etag": "0",
            "options": {"concurrency": "first-write"},
        }
    ]


async def test_a_redelivery_changes_nothing(dapr: DaprClient, sidecar: respx.MockRouter) -> None:
    sidecar.get("/v1.0/state/statestore/profile-u1").respond(
        200, json={"value": {"created": 1}, "applied": ["e1"]}, headers={"etag": "4"}
    )
    processed = StateStoreProcessedEvents(dapr)
    assert await processed.apply_once("profile-u1", "e1", lambda v: {"created": 99}) is False


async def test_a_lost_race_rereads_and_applies_on_the_new_value(
    dapr: DaprClient, sidecar: respx.MockRouter
) -> None:
    sidecar.get("/v1.0/state/statestore/p").mock(
        side_effect=[
            httpx.Response(200, json={"value": 1, "applied": ["a"]}, headers={"etag": "1"}),
            httpx.Response(200, json={"value": 5, "applied": ["a", "b"]}, headers={"etag": "2"}),
        ]
    )
    save = sidecar.post("/v1.0/state/statestore").mock(
        side_effect=[httpx.Response(409, json={"errorCode": "ERR_STATE_SAVE"}), httpx.Response(204)]
    )
    processed = StateStoreProcessedEvents(dapr, remember=2)
    assert await processed.apply_once("p", "c", lambda v: v + 1) is True
    assert json.loads(save.calls.last.request.content)[0]["value"] == {
        "value": 6,
        "applied": ["b", "c"],
    }
    assert json.loads(save.calls.last.request.content)[0]["etag"] == "2"


def test_readyz_follows_the_sidecar_outbound_health(
    dapr: DaprClient, sidecar: respx.MockRouter
) -> None:
    sidecar.get("/v1.0/healthz/outbound").mock(
        side_effect=[respx.MockResponse(204), respx.MockResponse(500)]  # type: ignore[attr-defined]
    )
    app = FastAPI()
    app.state.dapr = dapr
    app.include_router(health_router())
    client = TestClient(app)
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    assert client.get("/readyz").status_code == 503
