"""Fault scenarios on the real stack, at 2 replicas of every app (each its own uvicorn and
daprd under the app's app-id, as in Kubernetes): a workload, a fault, recovery, then the books.

Every scenario records one row (workload, fault, replicas, expected / delivered / duplicated
effects, recovery time). The rows are printed at the end of the run and written to
bench/results/chaos.json and chaos.md.
"""

import asyncio
import json
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from devstack import processes, topology
from devstack.stack import Stack, replica_name
from devstack.testing import RunningStack

RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


REPLICAS = 2


@pytest.fixture(scope="session")
def running_stack(replicated_stack: RunningStack) -> RunningStack:
    """The suite's stack: `replicated_stack`, 2 replicas of every app."""
    return replicated_stack


@dataclass
class Row:
    scenario: str
    workload: str
    fault: str
    expected: int
    delivered: int
    duplicated: int
    recovery_s: float
    notes: str = ""
    checks: dict[str, Any] = field(default_factory=dict)
    replicas: int = REPLICAS


ROWS: list[Row] = []


@pytest.fixture
def book() -> Callable[[Row], None]:
    return ROWS.append


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not ROWS:
        return
    tr = terminalreporter
    tr.section("chaos: the books after each fault")
    header = (
        f"{'scenario':<40}{'replicas':>9}{'expected':>9}{'delivered':>10}{'duplicated':>11}"
        f"{'recovery':>10}"
    )
    tr.write_line(header)
    for r in ROWS:
        tr.write_line(
            f"{r.scenario:<40}{r.replicas:>9}{r.expected:>9}{r.delivered:>10}{r.duplicated:>11}"
            f"{r.recovery_s:>9.1f}s"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    (RESULTS / "chaos.json").write_text(
        json.dumps({"date": when, "rows": [asdict(r) for r in ROWS]}, indent=2) + "\n"
    )
    lines = [
        f"# Chaos suite ({when})",
        "",
        "`uv run --no-sync pytest tests/chaos` (also part of `make test`). Effects are counted in",
        "each consumer's own store after recovery; recovery is from the end of the fault until",
        "the books balance (or the service answers again).",
        "",
        "| scenario | workload | fault | replicas | expected | delivered | duplicated | recovery |",
        "|---|---|---|---|---|---|---|---|",
        *(
            f"| {r.scenario} | {r.workload} | {r.fault} | {r.replicas} | {r.expected} | "
            f"{r.delivered} | {r.duplicated} | {r.recovery_s:.1f} s |"
            for r in ROWS
        ),
    ]
    (RESULTS / "chaos.md").write_text("\n".join(lines) + "\n")


# ---- the stack's processes ----------------------------------------------------------------
def kill(stack: Stack, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
    running = stack.table.load(name)
    assert running is not None and running.alive(), f"{name} is not running"
    if sig == signal.SIGTERM:
        processes.stop(running)
        return
    # SIGKILL, or SIGINT (PostgreSQL's fast shutdown: it does not wait for its clients)
    os.killpg(running.pid, sig) if sig == signal.SIGKILL else os.kill(running.pid, sig)
    deadline = time.monotonic() + 15
    while running.alive() and time.monotonic() < deadline:
        processes.reap(running.pid)
        time.sleep(0.05)
    processes.reap(running.pid)
    assert not running.alive(), f"{name} did not exit"


def start(stack: Stack, *names: str) -> None:
    """Start the processes `names` together, then wait until each is ready (an app and its
    sidecar wait on each other)."""
    specs = [topology.spec(stack, name) for name in names]
    running = [processes.start(spec, stack.table) for spec in specs]
    for spec, proc in zip(specs, running, strict=True):
        processes.wait_ready(spec, proc)


def topic_config(stack: RunningStack, topic: str, configs: dict[str, str]) -> None:
    """Set `topic`'s configuration on the broker to `configs` (an empty dict: back to the
    broker's defaults), as an operator's `kafka-configs --alter` does."""

    async def alter() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=stack.endpoints["infra"]["kafka"])
        await admin.start()
        try:
            resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs=configs)
            (answer,) = await admin.alter_configs([resource])
            errors = [r for r in answer.to_object()["resources"] if r["error_code"]]
            assert not errors, errors
        finally:
            await admin.close()

    asyncio.run(alter())


def every_replica(stack: Stack, name: str) -> list[str]:
    """`name` (an app, or `daprd-` and an app) in each replica: the whole app's processes;
    any other process: itself."""
    app_id = name.removeprefix("daprd-")
    if app_id not in stack.ports.apps:
        return [name]
    prefix = "daprd-" if name.startswith("daprd-") else ""
    return [prefix + replica_name(app_id, i) for i in range(stack.replicas)]


# ---- the product, from outside --------------------------------------------------------------
@dataclass
class User:
    id: str
    auth: dict[str, str]


def sign_up(backend: httpx.Client) -> User:
    email = f"chaos-{uuid.uuid4().hex[:8]}@example.com"
    answer = backend.post("/api/auth/register", json={"email": email, "password": "chaos-pass-1"})
    assert answer.status_code == 201, answer.text
    token = backend.post("/api/auth/login", json={"email": email, "password": "chaos-pass-1"})
    return User(answer.json()["id"], {"Authorization": f"Bearer {token.json()['access_token']}"})


def create_tasks(
    base_url: str | list[str],
    user: User,
    count: int,
    complete_every: int = 0,
    workers: int = 8,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[str], list[str]]:
    """`count` tasks (every `complete_every`-th completed at once); the ids the API accepted.
    With several backend URLs (its replicas), requests go round them as a load balancer's
    would, and one that fails is retried on the next. A request that fails is retried until it
    succeeds: the API must not lose an accepted write."""
    created: list[str] = []
    completed: list[str] = []
    urls = [base_url] if isinstance(base_url, str) else base_url
    limits = httpx.Limits(max_connections=workers)
    # One client per URL for every worker (httpx.Client is thread-safe): connections reused.
    clients = [
        httpx.Client(base_url=url, timeout=30.0, headers=user.auth, limits=limits) for url in urls
    ]

    def until_accepted(
        path: str, body: dict[str, Any] | None, accepted: int, turn: int
    ) -> httpx.Response:
        while True:
            client = clients[turn % len(clients)]
            try:
                answer = client.post(path, json=body)
            except httpx.TransportError:
                turn += 1
                time.sleep(0.5)
                continue
            if answer.status_code == accepted:
                return answer
            assert answer.status_code in (502, 503), answer.text
            turn += 1
            time.sleep(0.5)

    def one(i: int) -> None:
        answer = until_accepted(
            "/api/tasks", {"title": f"chaos {i}", "tags": ["chaos"]}, 201, turn=i
        )
        tid = answer.json()["id"]
        created.append(tid)
        if complete_every and i % complete_every == 0:
            until_accepted(f"/api/tasks/{tid}/complete", None, 200, turn=i + 1)
            completed.append(tid)
        if on_progress:
            on_progress(len(created))

    try:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, range(count)))
    finally:
        for client in clients:
            client.close()
    return created, completed


@dataclass
class Books:
    expected: int
    delivered: int
    duplicated: int
    details: dict[str, Any]


def books(stack: RunningStack, user: User, created: list[str], completed: list[str]) -> Books:
    """Effects in each consumer's own store: notification-service's known tasks and
    task_completed notifications, ai-service's activity profile."""
    known = {
        r[0]
        for r in stack.query(
            "notifications", f"SELECT task_id FROM known_tasks WHERE user_id = '{user.id}'"
        )
    }
    counts = {
        r[0]: int(r[1])
        for r in stack.query(
            "notifications",
            "SELECT task_id, count(*) FROM notifications WHERE type = 'task_completed' "
            f"AND user_id = '{user.id}' GROUP BY task_id",
        )
    }
    with stack.sidecar("ai-service") as dapr:
        keys = [f"task-{t}" for t in created]
        found = dapr.post("/v1.0/state/statestore/bulk", json={"keys": keys}).json()
        answer = dapr.get(f"/v1.0/state/statestore/history-{user.id}")
    in_profile = {e["key"].removeprefix("task-") for e in found if "data" in e}
    history = answer.json() if answer.status_code == 200 else {"done": {}}
    done_in_profile = set(history["done"])
    expected = 2 * len(created) + 2 * len(completed)
    delivered = (
        len(known & set(created))
        + len(in_profile & set(created))
        + sum(1 for t in completed if counts.get(t, 0) >= 1)
        + len(done_in_profile & set(completed))
    )
    duplicated = sum(max(0, n - 1) for n in counts.values())
    return Books(
        expected,
        delivered,
        duplicated,
        {
            "notification-service known tasks": f"{len(known & set(created))}/{len(created)}",
            "ai-service task facts": f"{len(in_profile & set(created))}/{len(created)}",
            "task_completed notifications": f"{sum(1 for t in completed if counts.get(t, 0) >= 1)}/{len(completed)}",
            "ai-service completions": f"{len(done_in_profile & set(completed))}/{len(completed)}",
        },
    )


def balance(
    stack: RunningStack, user: User, created: list[str], completed: list[str], timeout: float
) -> tuple[Books, float]:
    """Wait until every expected effect is there (or the time is up); the books and the wait."""
    t0 = time.monotonic()
    while True:
        b = books(stack, user, created, completed)
        if b.delivered >= b.expected or time.monotonic() - t0 > timeout:
            return b, time.monotonic() - t0
        time.sleep(1.0)


@pytest.fixture
def backend_url(running_stack: RunningStack) -> str:
    return str(running_stack.endpoints["apps"]["backend"]["app_url"])


@pytest.fixture
def backend_urls(running_stack: RunningStack) -> list[str]:
    """Every backend replica's URL: the workload goes round them, as through a Service."""
    return [str(r["app_url"]) for r in running_stack.endpoints["apps"]["backend"]["replicas"]]


@pytest.fixture
def backend(backend_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend_url, timeout=30.0) as client:
        yield client
