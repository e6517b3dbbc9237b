import json

import respx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from dapr_common import DaprClient, StateStoreProcessedEvents, Upsert, health_router


async def test_effect_and_marker_go_in_one_transaction(
    dapr: DaprClient, sidecar: respx.MockRouter
) -> None:
    route = sidecar.post("/v1.0/state/statestore/transaction").respond(204)
    processed = StateStoreProcessedEvents(dapr, "ai-service")
    assert await processed.apply_once("e1", [Upsert("profile-u1", {"created": 1})]) is True
    ops = json.loads(route.calls.last.request.content)["operations"]
    assert ops[0]["request"]["key"] == "processed||ai-service||e1"
    assert ops[0]["request"]["options"] == {"concurrency": "first-write"}
    assert ops[1]["request"] == {"key": "profile-u1", "value": {"created": 1}}


async def test_a_redelivery_changes_nothing(dapr: DaprClient, sidecar: respx.MockRouter) -> None:
    sidecar.post("/v1.0/state/statestore/transaction").respond(
        409, json={"errorCode": "ERR_STATE_TRANSACTION", "message": "possible etag mismatch"}
    )
    processed = StateStoreProcessedEvents(dapr, "ai-service")
    assert await processed.apply_once("e1", [Upsert("profile-u1", {})]) is False


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
