import secrets
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dapr_common import DaprClient, DaprSettings
from devstack.testing import ExtraApp, RunningStack, extra_app

from .lib_app import Received, create_lib_app

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@dataclass
class LibApp:
    info: ExtraApp
    received: Received
    prefix: str


@pytest.fixture(scope="session")
def lib_app(running_stack: RunningStack) -> Iterator[LibApp]:
    received = Received()
    prefix = f"lib-{uuid.uuid4().hex[:8]}"
    token = secrets.token_urlsafe(16)
    app = create_lib_app(received, prefix, token)
    with extra_app(running_stack.stack, "lib-probe", app, app_api_token=token) as info:
        yield LibApp(info, received, prefix)


def client_for(dapr_http: str, token: str) -> DaprClient:
    return DaprClient(DaprSettings(dapr_http_endpoint=dapr_http, dapr_api_token=token))  # type: ignore[arg-type]


@pytest.fixture
async def own(lib_app: LibApp) -> AsyncIterator[DaprClient]:
    """A client of the lib app's own sidecar (jobs fire back at the app that scheduled them)."""
    async with client_for(lib_app.info.dapr_http, lib_app.info.dapr_api_token) as client:
        yield client


@pytest.fixture
async def backend(running_stack: RunningStack) -> AsyncIterator[DaprClient]:
    """A client of backend's sidecar: backend's identity for invocation."""
    app = running_stack.endpoints["apps"]["backend"]
    async with client_for(app["dapr_http"], app["dapr_api_token"]) as client:
        yield client
