"""API tests: the real app on a real PostgreSQL database of its own; a fake sidecar."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.core.config import BackendSettings
from backend.main import create_app
from dapr_common import DaprSettings
from dapr_common.testing import FakeSidecar
from devstack.testing import RunningStack

HERE = Path(__file__).parent
JWT_KEY = "k" * 64
TOPICS = ("user.registered", "task.created", "task.updated", "task.completed", "task.deleted")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


def query(stack: RunningStack, database: str, sql: str) -> list[list[str]]:
    return stack.query(database, sql)


def _psql(stack: RunningStack, sql: str) -> None:
    stack.query("postgres", sql)


@pytest.fixture(scope="session")
def api_database(running_stack: RunningStack) -> Iterator[str]:
    """One migrated database for the API tests (each test makes users of its own)."""
    name = f"api_{uuid.uuid4().hex[:10]}"
    _psql(running_stack, f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": running_stack.stack.database_url(name)}
    subprocess.run(
        [sys.executable, "-m", "backend.db.migrate", "upgrade"],
        env=env,
        check=True,
        capture_output=True,
    )
    yield name
    _psql(running_stack, f'DROP DATABASE "{name}" WITH (FORCE)')


@dataclass
class Api:
    client: TestClient
    sidecar: FakeSidecar

    def register(
        self, email: str | None = None, password: str = "correct horse battery"
    ) -> dict[str, Any]:
        email = email or f"{uuid.uuid4().hex[:8]}@example.com"
        answer = self.client.post("/api/auth/register", json={"email": email, "password": password})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def login(self, email: str, password: str = "correct horse battery") -> dict[str, str]:
        answer = self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['access_token']}"}

    def new_user(self) -> tuple[dict[str, Any], dict[str, str]]:
        user = self.register()
        return user, self.login(user["email"])


@pytest.fixture
def api(running_stack: RunningStack, api_database: str) -> Iterator[Api]:
    yield from _api(running_stack, api_database)


@pytest.fixture
def small_pool_api(running_stack: RunningStack, api_database: str) -> Iterator[Api]:
    """The same, with a pool of 2 connections."""
    yield from _api(running_stack, api_database, postgres_pool_size=2)


def _api(running_stack: RunningStack, api_database: str, **settings: Any) -> Iterator[Api]:
    pg = running_stack.endpoints["infra"]["postgres"]
    with FakeSidecar(assert_all_called=False) as sidecar:
        sidecar.get("/v1.0/healthz/outbound").respond(204)
        sidecar.get("/v1.0/secrets/secretstore/postgres-password").respond(
            200, json={"postgres-password": running_stack.stack.secrets["postgres-password"]}
        )
        sidecar.get("/v1.0/state/statestore/prefs-*").respond(204)
        # The task-list cache: always a miss here; fills and tombstones (saves) accepted.
        sidecar.get("/v1.0/state/statestore/tasklist-*").respond(204)
        sidecar.post("/v1.0/state/statestore").respond(204)
        # the login guard: no failures on record
        sidecar.get("/v1.0/state/statestore/login-failures-*").respond(204)
        sidecar.delete("/v1.0/state/statestore/login-failures-*").respond(204)
        for topic in TOPICS:
            sidecar.post(f"/v1.0-alpha1/publish/bulk/pubsub/{topic}").respond(204)
        sidecar.get("/v1.0/secrets/secretstore/jwt-signing-key").respond(
            200, json={"jwt-signing-key": JWT_KEY}
        )
        app = create_app(
            DaprSettings(app_id="backend", dapr_http_endpoint=sidecar.url),
            BackendSettings(postgres_port=pg["port"], postgres_db=api_database, **settings),
        )
        with TestClient(app) as client:
            yield Api(client, sidecar)
