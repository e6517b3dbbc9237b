"""The pod's hand-off (`python -m dapr_common.drain`) against a real sidecar."""

import os
import subprocess
import sys
import time

import httpx

from dapr_common.drain import listening
from devstack.testing import RunningStack, extra_sidecar


def run_drain(dapr_http: str, token: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DAPR_HTTP_ENDPOINT": dapr_http, "DAPR_API_TOKEN": token}
    command = [sys.executable, "-m", "dapr_common.drain", "--grace", "0.2", "--wait", "15"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)


def test_drain_stops_the_sidecar_and_returns_once_it_is_gone(running_stack: RunningStack) -> None:
    with extra_sidecar(running_stack.stack, "drain-probe") as sidecar:
        assert httpx.get(f"{sidecar.dapr_http}/v1.0/healthz").status_code == 204
        started = time.monotonic()
        drained = run_drain(sidecar.dapr_http, sidecar.dapr_api_token)
        assert drained.returncode == 0, drained.stderr
        assert not listening(sidecar.dapr_http), "drain returned while the sidecar still listens"
        assert time.monotonic() - started < 15


def test_drain_without_the_token_fails_and_the_sidecar_serves_on(
    running_stack: RunningStack,
) -> None:
    with extra_sidecar(running_stack.stack, "drain-probe") as sidecar:
        drained = run_drain(sidecar.dapr_http, "not-the-token")
        assert drained.returncode == 1
        assert "could not stop the sidecar: HTTP 401" in drained.stderr, drained.stderr
        assert httpx.get(f"{sidecar.dapr_http}/v1.0/healthz").status_code == 204
