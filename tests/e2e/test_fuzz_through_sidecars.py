"""Generated input for every notification-service and ai-service operation, sent the way the
backend sends its calls: to a sidecar with the backend's identity, which invokes the app
through the app's sidecar (mTLS, access policy, the app token added by the sidecar). No
answer is a 5xx and none strays from the app's schema; what the policy allows is not refused.

That sidecar is a second one for app-id `backend`, without the resiliency policy and with no
scheduler: Dapr counts every non-2xx answer against the caller's circuit breaker, and the
fuzz's deliberate 4xx answers would otherwise open the real backend's breaker for the tests
that follow (tests/e2e/test_notifications_and_recommendations.py shows why users cannot).

The in-process fuzz tests (services/*/tests/**/test_fuzz.py) cover more examples against a
fake sidecar; this one proves the same on the real path, with PostgreSQL, Redis and Kafka
behind the apps."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, reject, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from ai_service.main import create_app as ai_service_app
from devstack.access_matrix import AccessMatrix, covered
from devstack.testing import ExtraApp, RunningStack, extra_sidecar
from notification_service.main import create_app as notification_service_app

pytestmark = pytest.mark.integration
MATRIX = AccessMatrix.load()

EXAMPLES = 10
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # filter_too_much: many generated path values carry characters the caller's sidecar
    # refuses itself (rejected below); hypothesis still fails if none is left to send.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
notification_service = schemathesis.openapi.from_dict(notification_service_app().openapi())
ai_service = schemathesis.openapi.from_dict(ai_service_app().openapi())


@pytest.fixture(scope="module")
def http() -> Any:
    with requests.Session() as session:
        yield session


@pytest.fixture(scope="module")
def caller(
    running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExtraApp]:
    """A second `backend` sidecar: no components, no resiliency, no scheduler."""
    with extra_sidecar(
        running_stack.stack,
        "backend",
        name="daprd-fuzz-caller",
        resources=tmp_path_factory.mktemp("fuzz-caller-resources"),
        control_plane=False,
    ) as sidecar:
        yield sidecar


def through_the_backend_sidecar(
    case: schemathesis.Case, app_id: str, caller: ExtraApp, http: requests.Session
) -> None:
    path = case.formatted_path
    # The caller authenticates to its own sidecar; whatever token the case generated for the
    # app is replaced on the way by the app's sidecar.
    response = case.call(
        base_url=f"{caller.dapr_http}/v1.0/invoke/{app_id}/method",
        session=http,
        headers={"dapr-api-token": caller.dapr_api_token},
        timeout=30,
    )
    if response.status_code == 500 and "desc = invalid method" in response.text:
        # The caller's own sidecar refused the method name (a control or forbidden character
        # in it) before any app saw it; Dapr answers that with a 500. The backend only ever
        # puts UUIDs into the paths it invokes.
        reject()
    assert response.status_code != 401, "the backend's sidecar refused its own token"
    policy = MATRIX.operations(app_id).get("backend", [])
    if covered(policy, case.method.upper(), path.split("?")[0]):
        assert response.status_code != 403, f"the policy refused {case.method} {path}"
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])


@notification_service.parametrize()
@FUZZ
def test_notification_service_through_sidecars(
    case: schemathesis.Case, caller: ExtraApp, http: requests.Session
) -> None:
    through_the_backend_sidecar(case, "notification-service", caller, http)


@ai_service.parametrize()
@FUZZ
def test_ai_service_through_sidecars(
    case: schemathesis.Case, caller: ExtraApp, http: requests.Session
) -> None:
    through_the_backend_sidecar(case, "ai-service", caller, http)
