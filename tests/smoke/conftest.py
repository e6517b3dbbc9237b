"""The smoke suite's own copy of the stack, started through the launcher's CLI on free ports.

Set SMOKE_RUN_DIR to the run directory of a stack that is already up to reuse it instead.
"""

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack import processes
from devstack.ports import free_port
from devstack.stack import Stack
from devstack.versions import repo_root
from tests.smoke.harness import (
    HERE,
    PROBE_ID,
    Probe,
    SmokeStack,
    devstack_cli,
    processes_mentioning,
)
from tests.smoke.probe_app import Inbox, ProbeServer, create_probe_app


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.smoke)


@pytest.fixture(scope="session")
def smoke_stack() -> Iterator[SmokeStack]:
    reuse = os.environ.get("SMOKE_RUN_DIR")
    if reuse:
        stack = Stack.load(Path(reuse))
        yield SmokeStack(stack, stack.endpoints())
        return
    run_dir = repo_root() / ".devstack-test"
    if (run_dir / "stack.json").exists():
        devstack_cli(run_dir, "down")
    shutil.rmtree(run_dir, ignore_errors=True)
    up = devstack_cli(run_dir, "up", "--free-ports")
    if up.returncode != 0:
        pytest.fail(f"devstack up failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
    stack = Stack.load(run_dir)
    pids = [r.pid for n in stack.table.names() if (r := stack.table.load(n))]
    yield SmokeStack(stack, stack.endpoints())
    down = devstack_cli(run_dir, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    alive = [
        pid
        for pid in pids
        if Path(f"/proc/{pid}").exists()
        and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]
    ]
    leftovers = processes_mentioning(run_dir)
    assert not alive and not leftovers, f"`devstack down` left processes: {alive} {leftovers}"


@pytest.fixture(scope="session")
def probe(smoke_stack: SmokeStack) -> Iterator[Probe]:
    """A Dapr app of the suite's own, with an mTLS sidecar, subscribed to two test topics."""
    stack = smoke_stack.stack
    inbox = Inbox(app_token=secrets.token_urlsafe(16))
    prefix = f"smoke-{uuid.uuid4().hex[:8]}"
    app_port, http_port = free_port(), free_port()
    dapr_token = secrets.token_urlsafe(16)
    spec = stack.sidecar_spec(
        PROBE_ID,
        app_port=app_port,
        http_port=http_port,
        grpc_port=free_port(),
        internal_grpc_port=free_port(),
        metrics_port=free_port(),
        config=HERE / "probe-config.yaml",
        dapr_api_token=dapr_token,
        app_api_token=inbox.app_token,
        name=f"daprd-{PROBE_ID}",
    )
    with ProbeServer(create_probe_app(inbox, prefix), app_port):
        running = processes.start(spec, stack.table)
        try:
            processes.wait_ready(spec, running)
            client = httpx.Client(
                base_url=f"http://127.0.0.1:{http_port}",
                headers={"dapr-api-token": dapr_token},
                timeout=15.0,
            )
            yield Probe(inbox, prefix, client, f"http://127.0.0.1:{http_port}")
        finally:
            processes.stop(running)
            stack.table.forget(spec.name)
