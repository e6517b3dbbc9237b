"""The smoke suite: the raw runtime through the sidecars, plus a probe app of its own."""

import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.testing import RunningStack, extra_app
from tests.smoke.probe_app import Inbox, Probe, create_probe_app

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.smoke)


@pytest.fixture(scope="session")
def probe(running_stack: RunningStack) -> Iterator[Probe]:
    """A Dapr app of the suite's own, with an mTLS sidecar, subscribed to two test topics."""
    inbox = Inbox(app_token=secrets.token_urlsafe(16))
    prefix = f"smoke-{uuid.uuid4().hex[:8]}"
    app = create_probe_app(inbox, prefix)
    stack = running_stack.stack
    with (
        extra_app(stack, "smoke-probe", app, app_api_token=inbox.app_token) as info,
        info.sidecar() as client,
    ):
        yield Probe(inbox, prefix, client)
