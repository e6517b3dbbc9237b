"""Recommendations through the sidecar: the token goes along, refusals become 502."""

from .conftest import Api

ROUTE = "/v1.0/invoke/ai-service/method/get-recommendations"


def test_recommendations_are_asked_of_ai_service_through_the_sidecar(api: Api) -> None:
    _, auth = api.new_user()
    route = api.sidecar.post(ROUTE).respond(200, json={"recommended": [{"id": "b"}]})
    answer = api.client.post("/api/recommendations", json={"tasks": [{"id": "b"}]}, headers=auth)
    assert answer.status_code == 200 and answer.json() == {"recommended": [{"id": "b"}]}
    assert route.last.json() == {"tasks": [{"id": "b"}], "limit": 5}


def test_a_refusal_from_ai_service_is_a_502_with_the_reason(api: Api) -> None:
    _, auth = api.new_user()
    api.sidecar.post(ROUTE).respond(
        403, json={"errorCode": "ERR_DIRECT_INVOKE", "message": "PermissionDenied"}
    )
    answer = api.client.post("/api/recommendations", json={"tasks": []}, headers=auth)
    assert answer.status_code == 502 and "refused" in answer.json()["detail"]


def test_recommendations_need_a_token(api: Api) -> None:
    assert api.client.post("/api/recommendations", json={"tasks": []}).status_code == 401
