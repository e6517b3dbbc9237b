import httpx
import respx
from fastapi.testclient import TestClient

from backend.main import create_app
from dapr_common import DaprSettings

SIDECAR = "http://127.0.0.1:3999"


def app_client() -> TestClient:
    settings = DaprSettings(app_id="backend", dapr_http_port=3999, dapr_api_token="dt")  # type: ignore[arg-type]
    return TestClient(create_app(settings))


@respx.mock
def test_recommendations_are_asked_of_ai_service_through_the_sidecar() -> None:
    route = respx.post(f"{SIDECAR}/v1.0/invoke/ai-service/method/get-recommendations").mock(
        return_value=httpx.Response(200, json={"recommended": [{"id": "b"}]})
    )
    with app_client() as client:
        answer = client.post("/api/recommendations", json={"tasks": [{"id": "b"}]})
    assert answer.status_code == 200 and answer.json() == {"recommended": [{"id": "b"}]}
    assert route.calls.last.request.headers["dapr-api-token"] == "dt"


@respx.mock
def test_a_refusal_from_ai_service_is_a_502_with_the_reason() -> None:
    respx.post(f"{SIDECAR}/v1.0/invoke/ai-service/method/get-recommendations").mock(
        return_value=httpx.Response(
            403, json={"errorCode": "ERR_DIRECT_INVOKE", "message": "PermissionDenied"}
        )
    )
    with app_client() as client:
        answer = client.post("/api/recommendations", json={"tasks": []})
    assert answer.status_code == 502
    assert "refused" in answer.json()["detail"]
