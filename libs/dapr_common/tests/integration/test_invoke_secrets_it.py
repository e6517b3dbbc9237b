"""Invocation, secrets and metadata through real sidecars."""

import json

import pytest

from dapr_common import AccessDenied, DaprClient, DaprError, InvocationFailed
from devstack.dev_secrets import secrets_file
from devstack.testing import RunningStack
from devstack.versions import DAPR_VERSION

from .conftest import LibApp


async def test_backend_invokes_notification_service(backend: DaprClient) -> None:
    answer = await backend.invoke.post(
        "notification-service", "send", json={"userId": "u1", "type": "custom", "title": "hello"}
    )
    assert answer["delivered"] == ["in-app"]


async def test_callee_rejection_is_invocation_failed(backend: DaprClient) -> None:
    with pytest.raises(InvocationFailed) as caught:
        await backend.invoke.post("notification-service", "send", json={"userId": ""})
    assert caught.value.status == 422


async def test_method_outside_the_policy_is_access_denied(backend: DaprClient) -> None:
    with pytest.raises(AccessDenied) as caught:
        await backend.invoke.get("ai-service", "admin/stats")
    assert caught.value.status == 403 and caught.value.error_code == "ERR_DIRECT_INVOKE"


async def test_app_outside_the_policy_is_access_denied(own: DaprClient) -> None:
    with pytest.raises(AccessDenied):
        await own.invoke.post("ai-service", "get-recommendations", json={"tasks": []})


async def test_unknown_app_is_a_dapr_error(backend: DaprClient) -> None:
    with pytest.raises(DaprError) as caught:
        await backend.invoke.post("no-such-app", "x", timeout=30)
    assert not isinstance(caught.value, AccessDenied | InvocationFailed)


async def test_secret_value_and_bulk(own: DaprClient) -> None:
    expected = json.loads(secrets_file().read_text())
    assert await own.secrets.value("redis-password") == expected["redis-password"]
    everything = await own.secrets.bulk()
    assert everything["postgres-password"] == {"postgres-password": expected["postgres-password"]}


async def test_missing_secret_raises(own: DaprClient) -> None:
    with pytest.raises(DaprError):
        await own.secrets.get("no-such-secret")


async def test_metadata_and_readiness(own: DaprClient, lib_app: LibApp) -> None:
    await own.wait_until_ready(timeout=10)
    meta = await own.metadata()
    assert meta["id"] == "lib-probe" and meta["runtimeVersion"] == DAPR_VERSION
    topics = {s["topic"] for s in meta["subscriptions"]}
    assert f"{lib_app.prefix}.notes" in topics and f"{lib_app.prefix}.poison-dlq" in topics


def test_stack_fixture_is_shared(running_stack: RunningStack) -> None:
    assert running_stack.endpoints["apps"]["backend"]["dapr_http"].startswith("http://127.0.0.1:")
