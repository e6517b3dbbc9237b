"""Bad input, generated: schemathesis drives every operation of the backend's OpenAPI schema
(signed in) with valid and invalid data; no answer may be a 5xx or break the schema. Hand-made
cases cover what a schema cannot generate: huge, deeply nested and undecodable bodies."""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from backend.main import create_app

from .conftest import Api

schema = schemathesis.openapi.from_dict(create_app().openapi())
EXAMPLES = 25


@pytest.fixture
def signed_in(api: Api) -> dict[str, str]:
    """A user, and a sidecar that answers every call the backend may make."""
    sc = api.sidecar
    for method in ("POST", "DELETE"):
        sc.route(method, "/v1.0/jobs/*").respond(204)
    sc.get("/v1.0/jobs/*").respond(404, json={"errorCode": "ERR_JOB_NOT_FOUND"})
    sc.post("/v1.0/invoke/ai-service/method/get-recommendations").respond(
        200, json={"items": [], "generatedAt": "2026-11-27T12:00:00Z", "usedHistory": True}
    )
    sc.get("/v1.0/invoke/notification-service/method/users/*/notifications").respond(
        200, json={"items": [], "next_cursor": None}
    )
    sc.post("/v1.0/invoke/notification-service/method/users/*/read").respond(
        200, json={"marked": True}
    )
    sc.post("/v1.0/invoke/notification-service/method/send").respond(
        200, json={"id": "n1", "delivered": ["in-app"]}
    )
    _, auth = api.new_user()
    return auth


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_5xx_or_off_schema(
    case: schemathesis.Case, api: Api, signed_in: dict[str, str]
) -> None:
    kwargs = case.as_transport_kwargs(headers=signed_in)
    kwargs.pop("base_url", None)
    url = kwargs.pop("url")
    response = api.client.request(url=url, **kwargs)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (b"x" * (2 * 1024 * 1024), "application/json", 413),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
        (b'{"title": "\xff\xfe broken"}', "application/json", 400),
        (b"title=x", "application/x-www-form-urlencoded", 422),
        (b"", "application/json", 422),
    ],
    ids=["2 MiB", "nested 100k deep", "invalid UTF-8", "form data", "empty"],
)
def test_bodies_that_are_not_json_objects_are_4xx(
    api: Api, signed_in: dict[str, str], body: bytes, content_type: str, expected: int
) -> None:
    answer = api.client.post(
        "/api/tasks", content=body, headers={**signed_in, "content-type": content_type}
    )
    assert answer.status_code == expected, answer.text[:300]
    # a message saying what was wrong (FastAPI answers 413 in plain text)
    message: Any = answer.text if expected == 413 else answer.json()["detail"]
    assert message
