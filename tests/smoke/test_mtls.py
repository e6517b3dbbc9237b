"""mTLS is really on: a sidecar without the trust anchors cannot reach the others."""

import httpx

from devstack.testing import RunningStack, extra_sidecar


def test_sidecar_without_trust_anchors_cannot_invoke(running_stack: RunningStack) -> None:
    with (
        extra_sidecar(
            running_stack.stack,
            "intruder",
            mtls=False,
            control_plane=False,  # scheduler and placement, with TLS on, would refuse it too
        ) as intruder,
        httpx.Client(
            base_url=intruder.dapr_http,
            headers={"dapr-api-token": intruder.dapr_api_token},
            timeout=30.0,
        ) as dapr,
    ):
        answer = dapr.post(
            "/v1.0/invoke/notification-service/method/send",
            json={"user_id": "u1", "subject": "no identity"},
        )
    # The callee's sidecar accepts only mTLS connections: the call dies in the handshake.
    assert answer.status_code == 500, answer.text
    assert answer.json()["errorCode"] == "ERR_DIRECT_INVOKE"
    assert "connection" in answer.json()["message"]
