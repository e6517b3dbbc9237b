import pytest

from dapr_common import DaprClient, DaprError
from dapr_common.testing import FakeSidecar


async def test_invoke_sends_operation_data_and_metadata(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    route = sidecar.post("/v1.0/bindings/smtp").respond(200)
    answer = await dapr.bindings.invoke(
        "smtp", "create", "<p>hi</p>", metadata={"emailTo": "a@example.com", "subject": "Hi"}
    )
    assert answer is None
    assert route.last.json() == {
        "operation": "create",
        "data": "<p>hi</p>",
        "metadata": {"emailTo": "a@example.com", "subject": "Hi"},
    }


async def test_invoke_decodes_a_json_answer(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.post("/v1.0/bindings/webhook").respond(200, json={"ok": True})
    assert await dapr.bindings.invoke("webhook", "post", {"x": 1}) == {"ok": True}


async def test_a_failing_binding_raises(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.post("/v1.0/bindings/smtp").respond(
        500, json={"errorCode": "ERR_INVOKE_OUTPUT_BINDING", "message": "dial tcp: refused"}
    )
    with pytest.raises(DaprError) as caught:
        await dapr.bindings.invoke("smtp", "create", "x")
    assert caught.value.error_code == "ERR_INVOKE_OUTPUT_BINDING"
