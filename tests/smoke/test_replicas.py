"""Several replicas behind one app-id (`make up REPLICAS=N`): each replica is its own uvicorn
and its own daprd under the app's app-id, every one is healthy and listed, and Dapr's name
resolution spreads invocations of the app-id over all of them."""

import re
from collections.abc import Iterator

import httpx
import pytest

from devstack.stack import APP_IDS
from devstack.testing import RunningStack, devstack_cli


@pytest.fixture(scope="module")
def stack(replicated_stack: RunningStack) -> Iterator[RunningStack]:
    yield replicated_stack


def test_every_replica_of_every_app_is_up_and_listed(stack: RunningStack) -> None:
    status = devstack_cli(stack.stack.run_dir, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    for app_id in APP_IDS:
        replicas = stack.endpoints["apps"][app_id]["replicas"]
        assert [r["name"] for r in replicas] == [app_id, f"{app_id}.1"]
        assert replicas[0]["app_url"] == stack.endpoints["apps"][app_id]["app_url"]
        assert len({r["app_url"] for r in replicas}) == len({r["dapr_http"] for r in replicas}) == 2
        for replica in replicas:
            assert httpx.get(f"{replica['app_url']}/healthz").status_code == 200
            assert httpx.get(f"{replica['dapr_http']}/v1.0/healthz").status_code == 204
            assert replica["name"] in status.stdout and f"daprd-{replica['name']}" in status.stdout


def _calls_served(metrics_port: int) -> int:
    """Invocations a sidecar has delivered to its app (daprd's own metrics)."""
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics").text
    pattern = re.compile(
        r"^dapr_runtime_service_invocation_req_recv_total\{[^}]*\} (\d+(?:\.\d+)?)", re.MULTILINE
    )
    return int(sum(float(n) for n in pattern.findall(text)))


def test_invocations_of_an_app_id_reach_every_replica(stack: RunningStack) -> None:
    replicas = stack.stack.ports.replicas_of("notification-service")
    before = [_calls_served(r.metrics) for r in replicas]
    with stack.sidecar("backend") as dapr:
        for _ in range(40):
            answer = dapr.get("/v1.0/invoke/notification-service/method/healthz")
            assert answer.status_code == 200, answer.text
    served = [_calls_served(r.metrics) - b for r, b in zip(replicas, before, strict=True)]
    assert sum(served) >= 40 and all(n > 0 for n in served), served
