"""API tests: the real app on a real PostgreSQL database of its own; a fake sidecar."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def client(
    running_stack: RunningStack, notifications_db: str, sidecar: FakeSidecar
) -> Iterator[TestClient]:
    pg = running_stack.endpoints["infra"]["postgres"]
    sidecar.get("/v1.0/healthz/outbound").respond(204)
    sidecar.get("/v1.0/secrets/secretstore/postgres-password").respond(
        200, json={"postgres-password": running_stack.stack.secrets["postgres-password"]}
    )
    app = create_app(
        DaprSettings(dapr_http_endpoint=sidecar.url, app_api_token="app-token"),  # type: ignore[arg-type]
        NotificationSettings(postgres_port=pg["port"], postgres_db=notifications_db),
    )
    with TestClient(app, headers=APP_TOKEN) as test_client:
        yield test_client
