"""Each sidecar is the pinned runtime, with the real components loaded, behind its API token."""

import subprocess

import pytest

from devstack.access_matrix import AccessMatrix
from devstack.stack import APP_IDS
from devstack.testing import RunningStack
from devstack.versions import DAPR_VERSION, dapr_bin


def test_daprd_reports_the_pinned_release() -> None:
    out = subprocess.run([str(dapr_bin("daprd")), "--version"], capture_output=True, text=True)
    assert out.stdout.strip() == DAPR_VERSION


@pytest.mark.parametrize("app_id", APP_IDS)
def test_metadata_lists_the_components(running_stack: RunningStack, app_id: str) -> None:
    with running_stack.sidecar(app_id) as dapr:
        meta = dapr.get("/v1.0/metadata").json()
    assert meta["id"] == app_id
    assert meta["runtimeVersion"] == DAPR_VERSION
    types = {c["name"]: c["type"] for c in meta["components"]}
    # Exactly the components scoped to this app (components/access-matrix.yaml).
    scoped = {
        name for name, apps in AccessMatrix.load().component_scopes().items() if app_id in apps
    }
    assert set(types) == scoped
    expected = {
        "statestore": "state.redis",
        "pubsub": "pubsub.kafka",
        "secretstore": "secretstores.local.file",
        "smtp": "bindings.smtp",
    }
    assert types == {name: expected[name] for name in scoped}


@pytest.mark.parametrize("app_id", APP_IDS)
def test_sidecar_refuses_calls_without_the_api_token(
    running_stack: RunningStack, app_id: str
) -> None:
    with running_stack.sidecar(app_id, token=False) as dapr:
        assert dapr.get("/v1.0/metadata").status_code == 401
        assert dapr.get("/v1.0/healthz").status_code == 204  # healthz stays open for probes


@pytest.mark.parametrize(
    ("app_id", "route"),
    [("notification-service", "/send"), ("ai-service", "/get-recommendations")],
)
def test_app_refuses_sidecar_routes_without_the_app_token(
    running_stack: RunningStack, app_id: str, route: str
) -> None:
    with running_stack.app(app_id) as app:
        assert app.post(route, json={}).status_code == 401
        assert app.get("/healthz").status_code == 200
