import pytest

from dapr_common import DaprClient, DaprError, DaprSettings, SidecarUnavailable
from dapr_common.testing import FakeSidecar


def test_endpoint_setting_wins_over_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAPR_HTTP_PORT", "3600")
    assert DaprSettings().sidecar_url == "http://127.0.0.1:3600"
    monkeypatch.setenv("DAPR_HTTP_ENDPOINT", "http://sidecar:3500/")
    assert DaprSettings().sidecar_url == "http://sidecar:3500"


async def test_every_call_carries_the_api_token(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.get("/v1.0/metadata").respond(200, json={"id": "backend"})
    assert (await dapr.metadata())["id"] == "backend"
    assert route.last.headers["dapr-api-token"] == "tok"


async def test_no_token_header_without_a_token(sidecar: FakeSidecar) -> None:
    route = sidecar.get("/v1.0/metadata").respond(200, json={})
    async with DaprClient(DaprSettings(dapr_http_endpoint=sidecar.url)) as dapr:
        await dapr.metadata()
    assert "dapr-api-token" not in route.last.headers


async def test_healthy_reads_healthz_and_outbound(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/healthz").respond(500)
    sidecar.get("/v1.0/healthz/outbound").respond(204)
    assert await dapr.healthy() is False
    assert await dapr.healthy(outbound=True) is True


async def test_wait_until_ready_polls_outbound_health(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    route = sidecar.get("/v1.0/healthz/outbound").respond(500).respond(500).respond(204)
    await dapr.wait_until_ready(timeout=5, interval=0.01)
    assert route.call_count == 3


async def test_wait_until_ready_gives_up(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/healthz/outbound").respond(500)
    with pytest.raises(SidecarUnavailable, match="not ready"):
        await dapr.wait_until_ready(timeout=0.05, interval=0.01)


async def test_no_sidecar_is_sidecar_unavailable() -> None:
    with FakeSidecar() as gone:
        url = gone.url
    async with DaprClient(DaprSettings(dapr_http_endpoint=url)) as dapr:
        with pytest.raises(SidecarUnavailable, match="unreachable"):
            await dapr.metadata()
        assert await dapr.healthy() is False


async def test_timeouts_are_sidecar_unavailable(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/metadata").respond(200, json={}, delay=3)
    with pytest.raises(SidecarUnavailable, match="timed out"):
        await dapr.metadata()  # the client's timeout is 2 s


async def test_error_carries_status_code_and_message(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/metadata").respond(
        500, json={"errorCode": "ERR_METADATA_GET", "message": "failed to get metadata"}
    )
    with pytest.raises(DaprError) as caught:
        await dapr.metadata()
    err = caught.value
    assert (err.status, err.error_code, err.message) == (
        500,
        "ERR_METADATA_GET",
        "failed to get metadata",
    )
    assert str(err) == "HTTP 500 [ERR_METADATA_GET] failed to get metadata"


async def test_one_connection_pool_for_all_calls(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.get("/v1.0/metadata").respond(200, json={})
    for _ in range(3):
        await dapr.metadata()
    peers = {r.headers.get("x-peer") for r in route.calls}
    session = dapr._http()
    assert (
        session.connector is not None and len(session.connector._conns) == 1
    )  # one keep-alive connection
    assert peers
