"""mTLS is really on: a sidecar without the trust anchors cannot reach the others."""

import secrets

import httpx

from devstack import processes
from devstack.ports import free_port
from devstack.testing import RunningStack


def test_sidecar_without_trust_anchors_cannot_invoke(running_stack: RunningStack) -> None:
    stack = running_stack.stack
    http_port = free_port()
    token = secrets.token_urlsafe(16)
    spec = stack.sidecar_spec(
        "intruder",
        http_port=http_port,
        grpc_port=free_port(),
        internal_grpc_port=free_port(),
        metrics_port=free_port(),
        dapr_api_token=token,
        app_api_token=token,
        mtls=False,
        control_plane=False,  # scheduler and placement, with TLS on, would refuse it too
        name="daprd-intruder",
    )
    running = processes.start(spec, stack.table)
    try:
        processes.wait_ready(spec, running)
        with httpx.Client(
            base_url=f"http://127.0.0.1:{http_port}",
            headers={"dapr-api-token": token},
            timeout=30.0,
        ) as dapr:
            answer = dapr.post(
                "/v1.0/invoke/notification-service/method/send",
                json={"user_id": "u1", "subject": "no identity"},
            )
    finally:
        processes.stop(running)
        stack.table.forget(spec.name)
    # The callee's sidecar accepts only mTLS connections: the call dies in the handshake.
    assert answer.status_code == 500, answer.text
    assert answer.json()["errorCode"] == "ERR_DIRECT_INVOKE"
    assert "connection" in answer.json()["message"]
