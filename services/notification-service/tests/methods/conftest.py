"""API tests: the real app on a real PostgreSQL database of its own; a fake sidecar."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dapr_common import DaprSettings
from dapr_common.testing import FakeSidecar
from devstack.testing import RunningStack
from notification_service.core.config import NotificationSettings
from notification_service.main import create_app

HERE = Path(__file__).parent
APP_TOKEN = {"dapr-api-token": "app-token"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


def _psql(stack: RunningStack, sql: str) -> None:
    stack.query("postgres", sql)


@pytest.fixture(scope="session")
def notifications_db(running_stack: RunningStack) -> Iterator[str]:
    name = f"notif_{uuid.uuid4().hex[:10]}"
    _psql(running_stack, f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": running_stack.stack.database_url(name)}
    subprocess.run(
        [sys.executable, "-m", "notification_service.db.migrate", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    yield name
    _psql(running_stack, f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def sidecar() -> Iterator[FakeSidecar]:
    with FakeSidecar(assert_all_called=False) as fake:
        yield fake


def settings_for(running_stack: RunningStack, database: str, **more: Any) -> NotificationSettings:
    """The app's settings on `database`, its mailer quick (polls 0.2 s, retries 0.1 s, 3 tries)."""
    pg = running_stack.endpoints["infra"]["postgres"]
    quick: dict[str, Any] = {
        "email_poll_seconds": 0.2,
        "email_first_backoff_seconds": 0.1,
        "email_max_attempts": 3,
    }
    return NotificationSettings(postgres_port=pg["port"], postgres_db=database, **{**quick, **more})


def serve(
    running_stack: RunningStack, database: str, sidecar: FakeSidecar, **settings: Any
) -> TestClient:
    sidecar.get("/v1.0/healthz/outbound").respond(204)
    sidecar.get("/v1.0/secrets/secretstore/postgres-password").respond(
        200, json={"postgres-password": running_stack.stack.secrets["postgres-password"]}
    )
    app = create_app(
        DaprSettings(dapr_http_endpoint=sidecar.url, app_api_token="app-token"),  # type: ignore[arg-type]
        settings_for(running_stack, database, **settings),
    )
    return TestClient(app, headers=APP_TOKEN)


@pytest.fixture
def client(
    running_stack: RunningStack, notifications_db: str, sidecar: FakeSidecar
) -> Iterator[TestClient]:
    with serve(running_stack, notifications_db, sidecar) as test_client:
        yield test_client


def eventually(check: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    """`check()`'s first truthy answer, polled every 0.05 s."""
    deadline = time.monotonic() + timeout
    while not (answer := check()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)
    return answer
