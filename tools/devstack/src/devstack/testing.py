"""Test support: one stack per test session, and extra Dapr apps run beside it.

Loaded as a pytest plugin (`-p devstack.testing`). Set SMOKE_RUN_DIR to the run directory of a
stack that is already up to reuse it instead of starting one.
"""

import email.message
import mailbox
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from devstack import processes
from devstack.ports import free_port
from devstack.processes import tagged_with
from devstack.stack import Stack
from devstack.topology import apps
from devstack.versions import repo_root


@dataclass
class RunningStack:
    """The stack under test, with clients for its sidecars and apps."""

    stack: Stack
    endpoints: dict[str, Any]

    def sidecar(self, app_id: str, *, token: bool = True) -> httpx.Client:
        app = self.endpoints["apps"][app_id]
        headers = {"dapr-api-token": app["dapr_api_token"]} if token else {}
        return httpx.Client(base_url=app["dapr_http"], headers=headers, timeout=15.0)

    def app(self, app_id: str, *, app_token: bool = False) -> httpx.Client:
        """The app itself; with `app_token`, as its sidecar (operator-only routes)."""
        app = self.endpoints["apps"][app_id]
        headers = {"dapr-api-token": app["app_api_token"]} if app_token else {}
        return httpx.Client(base_url=app["app_url"], headers=headers, timeout=15.0)

    def mail_to(self, address: str) -> list[email.message.Message]:
        """Every mail the SMTP sink received for `address`."""
        box = mailbox.Maildir(self.stack.maildir, create=False)
        return [m for m in box if address in (m.get("To") or "")]

    def query(self, database: str, sql: str) -> list[list[str]]:
        """Rows of `sql` run by psql on the stack's PostgreSQL (fields split on '|')."""
        pg = self.endpoints["infra"]["postgres"]
        argv = ["psql", "-h", pg["host"], "-p", str(pg["port"]), "-U", pg["user"], "-d", database]
        out = subprocess.run(
            [*argv, "-tAc", sql],
            env={"PGPASSWORD": self.stack.secrets["postgres-password"]},
            capture_output=True,
            text=True,
            check=True,
        )
        return [line.split("|") for line in out.stdout.splitlines() if line]


@dataclass
class ExtraApp:
    """An app of a test's own with its sidecar: where its sidecar listens, and its tokens."""

    app_id: str
    dapr_http: str
    dapr_api_token: str
    app_api_token: str

    def sidecar(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.dapr_http, headers={"dapr-api-token": self.dapr_api_token}, timeout=15.0
        )


def devstack_cli(run_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack.cli", "--run-dir", str(run_dir), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root(),
    )


class ThreadedServer:
    """uvicorn serving an ASGI app on a thread of the test process."""

    def __init__(self, app: Any, port: int) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "ThreadedServer":
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def extra_sidecar(
    stack: Stack,
    app_id: str,
    *,
    app_port: int | None = None,
    app_api_token: str | None = None,
    dapr_api_token: str | None = None,
    name: str | None = None,
    **options: Any,
) -> Iterator[ExtraApp]:
    """A sidecar of a test's own beside the stack, on free ports, stopped on exit. `options`
    go to `topology.apps.sidecar` (mtls, control_plane, resources, config)."""
    http_port = free_port()
    app_token = app_api_token or secrets.token_urlsafe(16)
    dapr_token = dapr_api_token or secrets.token_urlsafe(16)
    spec = apps.sidecar(
        stack,
        app_id,
        app_port=app_port,
        http_port=http_port,
        grpc_port=free_port(),
        internal_grpc_port=free_port(),
        metrics_port=free_port(),
        dapr_api_token=dapr_token,
        app_api_token=app_token,
        name=name or f"daprd-{app_id}",
        **options,
    )
    running = processes.start(spec, stack.table)
    try:
        processes.wait_ready(spec, running)
        yield ExtraApp(app_id, f"http://127.0.0.1:{http_port}", dapr_token, app_token)
    finally:
        processes.stop(running)
        stack.table.forget(spec.name)


@contextmanager
def extra_app(
    stack: Stack,
    app_id: str,
    app: Any,
    *,
    app_api_token: str | None = None,
    dapr_api_token: str | None = None,
) -> Iterator[ExtraApp]:
    """Serve the ASGI `app` on a free port with its own mTLS sidecar beside the stack."""
    app_port = free_port()
    with (
        ThreadedServer(app, app_port),
        extra_sidecar(
            stack,
            app_id,
            app_port=app_port,
            app_api_token=app_api_token,
            dapr_api_token=dapr_api_token,
        ) as info,
    ):
        yield info


def _stack_for_the_session(run_dir_name: str, replicas: int) -> Iterator[RunningStack]:
    """A whole topology of `replicas` replicas per app, started through the launcher's CLI on
    free ports in `run_dir_name`, stopped at the end; the teardown fails if `devstack down`
    leaves any process of it running."""
    run_dir = repo_root() / run_dir_name
    if (run_dir / "stack.json").exists():
        devstack_cli(run_dir, "down")
    shutil.rmtree(run_dir, ignore_errors=True)
    up = devstack_cli(run_dir, "up", "--free-ports", "--replicas", str(replicas))
    if up.returncode != 0:
        pytest.fail(f"devstack up failed ({up.returncode}):\n{up.stdout}\n{up.stderr}")
    stack = Stack.load(run_dir)
    yield RunningStack(stack, stack.endpoints())
    down = devstack_cli(run_dir, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert "orphan" not in down.stdout, f"processes outlived their stop: {down.stdout}"
    leftovers = tagged_with(run_dir)
    assert not leftovers, f"`devstack down` left processes running: {leftovers}"


@pytest.fixture(scope="session")
def running_stack() -> Iterator[RunningStack]:
    """The whole topology, one replica of each app (SMOKE_RUN_DIR: the stack already up
    there instead)."""
    reuse = os.environ.get("SMOKE_RUN_DIR")
    if reuse:
        stack = Stack.load(Path(reuse))
        yield RunningStack(stack, stack.endpoints())
        return
    yield from _stack_for_the_session(".devstack-test", replicas=1)


@pytest.fixture(scope="session")
def replicated_stack() -> Iterator[RunningStack]:
    """The whole topology with 2 replicas of each app, each its own uvicorn and daprd under the
    app's app-id, beside `running_stack` (its own run directory and ports)."""
    yield from _stack_for_the_session(".devstack-test-replicas", replicas=2)
