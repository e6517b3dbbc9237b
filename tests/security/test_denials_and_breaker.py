"""A denied invocation from an app that may invoke nobody is a denial every time (issue #15,
fault 13): 403 from the callee's sidecar, never "circuit breaker is open", however many come in
a row. (backend's sidecar has a breaker, and Dapr counts a denial against it like any error:
backend makes only calls the matrix allows, the security matrix proves each of them.)"""

import pytest

from devstack.testing import RunningStack

pytestmark = pytest.mark.integration
IN_A_ROW = 12  # more than the breaker's trip count (components/resiliency-invocation.yaml: 5)


def _denied(answer_status: int, text: str) -> bool:
    return answer_status == 403 and "PermissionDenied" in text


@pytest.mark.parametrize(
    ("caller", "callee", "path"),
    [
        ("ai-service", "notification-service", "/send"),  # an app that may invoke nobody
        ("notification-service", "ai-service", "/get-recommendations"),
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
