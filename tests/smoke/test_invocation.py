"""Service invocation over mTLS, with the callee's access policy deciding."""

import uuid

from devstack.testing import RunningStack
from tests.smoke.probe_app import Probe


def test_backend_invokes_notification_service_over_mtls(running_stack: RunningStack) -> None:
    with running_stack.sidecar("backend") as dapr:
        answer = dapr.post(
            "/v1.0/invoke/notification-service/method/send",
            json={
                "userId": "u1",
                "type": "custom",
                "title": "hello",
                "message": "from the smoke test",
            },
        )
    assert answer.status_code == 200, answer.text
    assert answer.json()["delivered"] == ["in-app"]


def test_backend_api_reaches_ai_service_through_its_sidecar(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as app:
        email = f"smoke-{uuid.uuid4().hex[:8]}@example.com"
        registered = app.post(
            "/api/auth/register", json={"email": email, "password": "smoke-pass-1"}
        )
        assert registered.status_code == 201, registered.text
        login = app.post("/api/auth/login", json={"email": email, "password": "smoke-pass-1"})
        auth = {"Authorization": f"Bearer {login.json()['access_token']}"}
        low = app.post("/api/tasks", json={"title": "low", "priority": "low"}, headers=auth).json()
        overdue = app.post(
            "/api/tasks",
            json={
                "title": "late and urgent",
                "priority": "urgent",
                "due_at": "2026-01-01T09:00:00+00:00",
            },
            headers=auth,
        ).json()
        answer = app.get("/api/me/recommendations", headers=auth)
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [i["taskId"] for i in items] == [overdue["id"], low["id"]]
    assert items[0]["reasons"][0].startswith("overdue by")


def test_method_outside_the_policy_is_denied(running_stack: RunningStack) -> None:
    with running_stack.sidecar("backend") as dapr:
        answer = dapr.post("/v1.0/invoke/ai-service/method/admin/reset", json={})
    assert answer.status_code == 403, answer.text
    assert answer.json()["errorCode"] == "ERR_DIRECT_INVOKE"


def test_app_id_outside_the_policy_is_denied(probe: Probe) -> None:
    """The probe has a valid mTLS identity, but notification-service admits only backend."""
    answer = probe.sidecar.post(
        "/v1.0/invoke/notification-service/method/send",
        json={"user_id": "u1", "subject": "intruder"},
    )
    assert answer.status_code == 403, answer.text
    assert "PermissionDenied" in answer.json()["message"]
