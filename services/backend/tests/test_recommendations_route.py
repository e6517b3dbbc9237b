from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.main import create_app
from dapr_common import DaprSettings
from dapr_common.testing import FakeSidecar

ROUTE = "/v1.0/invoke/ai-service/method/get-recommendations"


@pytest.fixture
def sidecar() -> Iterator[FakeSidecar]:
    with FakeSidecar() as fake:
        yield fake


def app_client(sidecar: FakeSidecar) -> TestClient:
    settings = DaprSettings(app_id="backend", dapr_http_endpoint=sidecar.url, dapr_api_token="dt")  # type: ignore[arg-type]
    return TestClient(create_app(settings, use_database=False))


def test_recommendations_are_asked_of_ai_service_through_the_sidecar(sidecar: FakeSidecar) -> None:
    route = sidecar.post(ROUTE).respond(200, json={"recommended": [{"id": "b"}]})
    with app_client(sidecar) as client:
        answer = client.post("/api/recommendations", json={"tasks": [{"id": "b"}]})
    assert answer.status_code == 200 and answer.json() == {"recommended": [{"id": "b"}]}
    assert route.last.headers["dapr-api-token"] == "dt"
    assert route.last.json() == {"tasks": [{"id": "b"}], "limit": 5}


def test_a_refusal_from_ai_service_is_a_502_with_the_reason(sidecar: FakeSidecar) -> None:
    sidecar.post(ROUTE).respond(
        403, json={"errorCode": "ERR_DIRECT_INVOKE", "message": "PermissionDenied"}
    )
    with app_client(sidecar) as client:
        answer = client.post("/api/recommendations", json={"tasks": []})
    assert answer.status_code == 502
    assert "refused" in answer.json()["detail"]
