import httpx
import pytest
import respx

from dapr_common import AccessDenied, DaprClient, DaprError, DaprSettings, SidecarUnavailable

SIDECAR = "http://127.0.0.1:3998"


def settings() -> DaprSettings:
    return DaprSettings(dapr_http_port=3998, dapr_api_token="tok")  # type: ignore[arg-type]


@respx.mock
async def test_invoke_sends_the_api_token_and_decodes_json() -> None:
    route = respx.post(f"{SIDECAR}/v1.0/invoke/ai-service/method/rank").mock(
        return_value=httpx.Response(200, json={"ok": True})
    )
    async with DaprClient(settings()) as dapr:
        assert await dapr.invoke("ai-service", "/rank", json={"a": 1}) == {"ok": True}
    assert route.calls.last.request.headers["dapr-api-token"] == "tok"


@respx.mock
async def test_403_is_access_denied_with_the_dapr_error_code() -> None:
    respx.post(f"{SIDECAR}/v1.0/invoke/x/method/y").mock(
        return_value=httpx.Response(403, json={"errorCode": "ERR_DIRECT_INVOKE", "message": "no"})
    )
    async with DaprClient(settings()) as dapr:
        with pytest.raises(AccessDenied) as caught:
            await dapr.invoke("x", "y")
    assert caught.value.error_code == "ERR_DIRECT_INVOKE" and caught.value.status == 403


@respx.mock
async def test_other_failures_are_dapr_errors_and_transport_failures_unavailable() -> None:
    respx.post(f"{SIDECAR}/v1.0/invoke/x/method/y").mock(
        return_value=httpx.Response(500, text="boom")
    )
    respx.post(f"{SIDECAR}/v1.0/invoke/x/method/z").mock(side_effect=httpx.ConnectError("refused"))
    async with DaprClient(settings()) as dapr:
        with pytest.raises(DaprError) as caught:
            await dapr.invoke("x", "y")
        assert not isinstance(caught.value, AccessDenied) and caught.value.status == 500
        with pytest.raises(SidecarUnavailable):
            await dapr.invoke("x", "z")


@respx.mock
async def test_healthy_reflects_the_sidecar_healthz() -> None:
    respx.get(f"{SIDECAR}/v1.0/healthz").mock(
        side_effect=[httpx.Response(204), httpx.Response(500)]
    )
    async with DaprClient(settings()) as dapr:
        assert await dapr.healthy() is True
        assert await dapr.healthy() is False
