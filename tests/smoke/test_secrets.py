"""Secrets: the local secret store serves the generated dev secrets."""

import json

from devstack.dev_secrets import secrets_file
from devstack.testing import RunningStack


def test_secret_is_read_from_the_secret_store(running_stack: RunningStack) -> None:
    expected = json.loads(secrets_file().read_text())["postgres-password"]
    with running_stack.sidecar("backend") as dapr:
        answer = dapr.get("/v1.0/secrets/secretstore/postgres-password")
    assert answer.status_code == 200
    assert answer.json() == {"postgres-password": expected}


def test_unknown_secret_is_an_error_not_an_empty_value(running_stack: RunningStack) -> None:
    with running_stack.sidecar("backend") as dapr:
        answer = dapr.get("/v1.0/secrets/secretstore/no-such-secret")
    assert answer.status_code >= 400
