"""The topology's builders only describe processes: finding one process builds only that one,
and building writes nothing; what a process needs on disk is made when it starts."""

import os
import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from devstack import topology
from devstack.access_matrix import AccessMatrix
from devstack.ports import Ports
from devstack.processes import ProcessSpec
from devstack.stack import Stack, Tokens
from devstack.topology import apps, control_plane, infra

BUILDERS: dict[ModuleType, tuple[str, ...]] = {
    infra: ("postgres", "redis", "smtp", "kafka"),
    control_plane: ("sentry", "scheduler", "placement"),
    apps: ("app", "sidecar"),
}


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    return Stack(tmp_path / "run", Ports(), Tokens.generate())


def test_finding_one_process_builds_only_it(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    for module, names in BUILDERS.items():
        for name in names:
            original = getattr(module, name)

            def recording(*args: Any, _original: Any = original, **kwargs: Any) -> ProcessSpec:
                spec: ProcessSpec = _original(*args, **kwargs)
                built.append(spec.name)
                return spec

            monkeypatch.setattr(module, name, recording)
    for name in topology.names():
        built.clear()
        assert topology.spec(stack, name).name == name
        assert built == [name]


def test_an_unknown_process_is_named_with_the_known_ones(stack: Stack) -> None:
    with pytest.raises(KeyError, match="no process 'nope'; the stack has postgres, redis"):
        topology.spec(stack, "nope")


def test_building_every_process_writes_nothing(tmp_path: Path, stack: Stack) -> None:
    tmp_path.chmod(0o700)  # a private checkout: as root, PostgreSQL's data would go to /tmp
    topology.waves(stack)
    apps.sidecar(stack, "probe", http_port=1, dapr_api_token="t", app_api_token="t")
    assert list(tmp_path.iterdir()) == []
    assert not stack.nameres_db.parent.exists()
    assert not infra.postgres_home(stack.run_dir).exists()


def test_a_test_apps_sidecar_writes_its_config_and_resources_when_it_starts(stack: Stack) -> None:
    spec = apps.sidecar(stack, "probe", http_port=1, dapr_api_token="t", app_api_token="t")
    assert isinstance(spec.argv, list) and spec.prepare is not None
    config = Path(spec.argv[spec.argv.index("--config") + 1])
    resources = Path(spec.argv[spec.argv.index("--resources-path") + 1])
    assert not config.exists() and not resources.exists()
    spec.prepare()
    try:
        access = yaml.safe_load(config.read_text())["spec"]["accessControl"]
        assert access["defaultAction"] == "deny"
        scoped = [
            doc
            for path in resources.glob("*.yaml")
            for doc in yaml.safe_load_all(path.read_text())
            if doc["kind"] == "Component" and "scopes" in doc
        ]
        assert scoped and all("probe" in doc["scopes"] for doc in scoped)
    finally:
        shutil.rmtree(stack.nameres_db.parent)


@pytest.mark.skipif(os.geteuid() != 0, reason="only as root does PostgreSQL run as its own user")
def test_as_root_a_private_run_dir_keeps_postgres_under_tmp_linked_when_it_starts(
    tmp_path: Path, stack: Stack
) -> None:
    tmp_path.chmod(0o700)
    where = infra.postgres_home(stack.run_dir)
    assert where.parent == Path(tempfile.gettempdir())
    infra._make_postgres_home(stack.run_dir, where)
    try:
        assert (stack.run_dir / "postgres").resolve() == where
        assert infra.postgres_home(stack.run_dir) == where
    finally:
        shutil.rmtree(where)


def test_the_access_matrix_is_read_once_per_stack(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[Path | None] = []
    original = AccessMatrix.load

    def load(path: Path | None = None) -> AccessMatrix:
        reads.append(path)
        return original(path)

    monkeypatch.setattr(AccessMatrix, "load", staticmethod(load))
    topology.spec(stack, "daprd-notification-service")
    topology.waves(stack)
    topology.waves(stack)
    assert len(reads) == 1


def _flag(spec: ProcessSpec, flag: str) -> str:
    assert isinstance(spec.argv, list)
    return spec.argv[spec.argv.index(flag) + 1]


def test_each_replica_is_an_app_and_a_sidecar_of_its_own_under_the_same_app_id(
    tmp_path: Path,
) -> None:
    stack = Stack(tmp_path / "run", Ports.from_env(3), Tokens.generate())
    names = topology.names(3)
    for app_id in stack.ports.apps:
        replicas = [app_id, f"{app_id}.1", f"{app_id}.2"]
        assert [n for n in names if n in replicas] == replicas
        sidecars = [f"daprd-{r}" for r in replicas]
        assert [n for n in names if n in sidecars] == sidecars
        for index, name in enumerate(replicas):
            ports = stack.ports.replicas_of(app_id)[index]
            app = topology.spec(stack, name)
            sidecar = topology.spec(stack, f"daprd-{name}")
            assert _flag(app, "--port") == str(ports.app)
            assert isinstance(app.env, dict) and app.env["DAPR_HTTP_PORT"] == str(ports.http)
            assert _flag(sidecar, "--app-id") == app_id
            assert _flag(sidecar, "--app-port") == str(ports.app)
            assert _flag(sidecar, "--dapr-http-port") == str(ports.http)
            assert _flag(sidecar, "--dapr-internal-grpc-port") == str(ports.internal_grpc)
    assert [r["name"] for r in stack.endpoints()["apps"]["backend"]["replicas"]] == [  # type: ignore[index]
        "backend",
        "backend.1",
        "backend.2",
    ]


def test_one_replica_is_todays_stack(stack: Stack) -> None:
    assert stack.replicas == 1
    assert not [n for n in topology.names() if "." in n]
    backend = stack.endpoints()["apps"]["backend"]  # type: ignore[index]
    assert [r["app_url"] for r in backend["replicas"]] == [backend["app_url"]]
