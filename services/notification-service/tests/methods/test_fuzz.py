"""Generated input for every notification-service operation (schemathesis): no 5xx, no
answer off the schema; subscription routes answer SUCCESS or DROP, never a crash."""

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from dapr_common.testing import FakeSidecar
from notification_service.main import create_app

schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.fixture
def answering(sidecar: FakeSidecar) -> FakeSidecar:
    sidecar.post("/v1.0/bindings/smtp").respond(200)
    sidecar.post("/v1.0/publish/pubsub/*").respond(204)
    return sidecar


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_5xx_or_off_schema(
    case: schemathesis.Case, client: TestClient, answering: FakeSidecar
) -> None:
    kwargs = case.as_transport_kwargs()
    kwargs.pop("base_url", None)
    url = kwargs.pop("url")
    response = client.request(url=url, **kwargs)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
