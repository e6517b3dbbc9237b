import pytest

from dapr_common import (
    AccessDenied,
    DaprClient,
    DaprError,
    DaprSettings,
    InvocationFailed,
    SidecarUnavailable,
)
from dapr_common.testing import FakeSidecar

URL = "/v1.0/invoke/notification-service/method/send"


async def test_post_sends_json_headers_and_token(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.post(URL).respond(202, json={"id": "n1"})
    answer = await dapr.invoke.post(
        "notification-service", "/send", json={"user_id": "u"}, headers={"x-request-id": "r1"}
    )
    assert answer == {"id": "n1"}
    request = route.last
    assert request.json() == {"user_id": "u"}
    assert request.headers["x-request-id"] == "r1"
    assert request.headers["dapr-api-token"] == "tok"


async def test_get_with_query_and_empty_answer(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.get("/v1.0/invoke/notification-service/method/users/u1/notifications").respond(
        200
    )
    assert (
        await dapr.invoke.get(
            "notification-service", "users/u1/notifications", params={"limit": "5"}
        )
        is None
    )
    assert route.last.query["limit"] == "5"


async def test_call_returns_the_response(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.put("/v1.0/invoke/a/method/b").respond(201, headers={"x-answer": "1"})
    response = await dapr.invoke.call("a", "b", verb="put")
    assert response.status == 201 and response.headers["x-answer"] == "1"


async def test_policy_denial_is_access_denied(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.post(URL).respond(
        403,
        json={
            "errorCode": "ERR_DIRECT_INVOKE",
            "message": "failed to invoke, id: notification-service, err: rpc error: code = PermissionDenied desc = access control policy has denied access to id: spiffe://public/ns/default/ai-service operation: send verb: POST",
        },
    )
    with pytest.raises(AccessDenied) as caught:
        await dapr.invoke.post("notification-service", "send")
    assert caught.value.status == 403 and "PermissionDenied" in caught.value.message


async def test_callee_error_is_invocation_failed_with_its_status_and_body(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.post(URL).respond(422, json={"detail": [{"loc": ["body", "user_id"]}]})
    with pytest.raises(InvocationFailed) as caught:
        await dapr.invoke.post("notification-service", "send")
    assert caught.value.status == 422
    assert caught.value.body == {"detail": [{"loc": ["body", "user_id"]}]}


async def test_callee_403_of_its_own_is_not_access_denied(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.post(URL).respond(403, json={"detail": "not your notification"})
    with pytest.raises(InvocationFailed):
        await dapr.invoke.post("notification-service", "send")


async def test_undeliverable_call_is_a_dapr_error(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.post(URL).respond(
        500,
        json={
            "errorCode": "ERR_DIRECT_INVOKE",
            "message": "failed to invoke, id: notification-service, err: couldn't find service",
        },
    )
    with pytest.raises(DaprError) as caught:
        await dapr.invoke.post("notification-service", "send")
    assert type(caught.value) is DaprError and caught.value.error_code == "ERR_DIRECT_INVOKE"


async def test_no_sidecar_is_sidecar_unavailable() -> None:
    with FakeSidecar() as gone:
        url = gone.url
    async with DaprClient(DaprSettings(dapr_http_endpoint=url)) as dapr:
        with pytest.raises(SidecarUnavailable):
            await dapr.invoke.post("notification-service", "send")
