import pytest

from dapr_common import DaprClient, DaprError
from dapr_common.testing import FakeSidecar


async def test_get_and_value(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/secrets/secretstore/postgres-password").respond(
        200, json={"postgres-password": "s3"}
    )
    assert await dapr.secrets.get("postgres-password") == {"postgres-password": "s3"}
    assert await dapr.secrets.value("postgres-password") == "s3"


async def test_bulk(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/secrets/vault/bulk").respond(200, json={"a": {"a": "1"}})
    assert await dapr.secrets.bulk(store="vault") == {"a": {"a": "1"}}


async def test_secret_outside_the_scope_raises(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/secrets/secretstore/smtp-password").respond(
        403,
        json={
            "errorCode": "ERR_PERMISSION_DENIED",
            "message": 'access denied by policy to get "smtp-password" from "secretstore"',
        },
    )
    with pytest.raises(DaprError) as caught:
        await dapr.secrets.get("smtp-password")
    assert caught.value.status == 403 and caught.value.error_code == "ERR_PERMISSION_DENIED"
