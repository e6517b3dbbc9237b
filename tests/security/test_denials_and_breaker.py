"""A denied invocation is a denial every time (issue #15, fault 13): 403 from the callee's
sidecar, never "circuit breaker is open", however many come in a row, and denials do not
take an allowed route down with them."""

import pytest

from devstack.testing import RunningStack

pytestmark = pytest.mark.integration
IN_A_ROW = 12  # more than the breaker's trip count (components/resiliency.yaml: 5)


def _denied(answer_status: int, text: str) -> bool:
    return answer_status == 403 and "PermissionDenied" in text


@pytest.mark.parametrize(
    ("caller", "callee", "path"),
    [
        ("ai-service", "notification-service", "/send"),  # an app that may invoke nobody
        ("notification-service", "ai-service", "/get-recommendations"),
        ("backend", "notification-service", "/dead-letters"),  # an operator-only route
    ],
)
def test_a_dozen_denials_in_a_row_are_each_a_403(
    running_stack: RunningStack, caller: str, callee: str, path: str
) -> None:
    with running_stack.sidecar(caller) as dapr:
        answers = [
            dapr.post(f"/v1.0/invoke/{callee}/method{path}", json={}) for _ in range(IN_A_ROW)
        ]
    wrong = [(a.status_code, a.text[:200]) for a in answers if not _denied(a.status_code, a.text)]
    assert not wrong, wrong


def test_denials_do_not_open_the_breaker_for_the_allowed_routes(
    running_stack: RunningStack,
) -> None:
    with running_stack.sidecar("backend") as dapr:
        for _ in range(IN_A_ROW):
            dapr.get("/v1.0/invoke/notification-service/method/dead-letters")
        allowed = dapr.get("/v1.0/invoke/notification-service/method/healthz")
    assert allowed.status_code == 200, allowed.text
