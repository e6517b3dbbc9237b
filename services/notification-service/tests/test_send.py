from fastapi.testclient import TestClient

from dapr_common import DaprSettings
from notification_service.main import create_app


def client() -> TestClient:
    settings = DaprSettings(app_id="notification-service", app_api_token="tok")  # type: ignore[arg-type]
    return TestClient(create_app(settings))


def test_send_accepts_a_valid_notification_from_the_sidecar() -> None:
    answer = client().post(
        "/send", json={"user_id": "u1", "subject": "hi"}, headers={"dapr-api-token": "tok"}
    )
    assert answer.status_code == 202
    assert answer.json()["user_id"] == "u1" and answer.json()["channel"] == "in_app"


def test_send_refuses_callers_without_the_app_token() -> None:
    assert client().post("/send", json={"user_id": "u1", "subject": "hi"}).status_code == 401
    wrong = {"dapr-api-token": "nope"}
    assert (
        client().post("/send", json={"user_id": "u1", "subject": "hi"}, headers=wrong).status_code
        == 401
    )


def test_send_rejects_bad_input_with_422() -> None:
    headers = {"dapr-api-token": "tok"}
    assert (
        client().post("/send", json={"user_id": "", "subject": "hi"}, headers=headers).status_code
        == 422
    )
    assert (
        client()
        .post("/send", json={"user_id": "u1", "subject": "hi", "channel": "fax"}, headers=headers)
        .status_code
        == 422
    )
