"""Generated input for every ai-service operation (schemathesis): no 5xx, no answer off the
schema."""

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from ai_service.main import create_app
from dapr_common import DaprSettings
from dapr_common.testing import FakeSidecar

schema = schemathesis.openapi.from_dict(create_app().openapi())


@pytest.fixture
def fuzz_client() -> Iterator[TestClient]:
    with FakeSidecar(assert_all_called=False) as sidecar:
        sidecar.get("/v1.0/state/statestore/*").respond(204)
        sidecar.post("/v1.0/state/statestore").respond(204)
        sidecar.get("/v1.0/healthz/outbound").respond(204)
        settings_ = DaprSettings(app_id="ai-service", dapr_http_endpoint=sidecar.url)
        with TestClient(create_app(settings_)) as client:
            yield client


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_no_operation_answers_5xx_or_off_schema(
    case: schemathesis.Case, fuzz_client: TestClient
) -> None:
    kwargs = case.as_transport_kwargs()
    kwargs.pop("base_url", None)
    url = kwargs.pop("url")
    response = fuzz_client.request(url=url, **kwargs)
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
