"""The topology's builders only describe processes: finding one process builds only that one."""

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from devstack import topology
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
