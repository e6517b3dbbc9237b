"""`make rollout` restarts exactly one known app and waits for it; `make help` lists the new verbs."""

import os
import re
import subprocess
from pathlib import Path

import pytest

from deploycheck.facts import root
from devstack.manifest import APP_IDS


@pytest.fixture
def fake_kubectl(tmp_path: Path) -> tuple[dict[str, str], Path]:
    calls = tmp_path / "calls"
    kubectl = tmp_path / "bin" / "kubectl"
    kubectl.parent.mkdir()
    kubectl.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    kubectl.chmod(0o755)
    env = {**os.environ, "PATH": f"{kubectl.parent}:{os.environ['PATH']}"}
    return env, calls


@pytest.mark.parametrize("app_id", APP_IDS)
def test_rollout_restarts_then_waits(
    fake_kubectl: tuple[dict[str, str], Path], app_id: str
) -> None:
    env, calls = fake_kubectl
    result = subprocess.run(
        ["make", "-s", "rollout", f"SERVICE={app_id}"],
        cwd=root(),
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert calls.read_text().splitlines() == [
        f"-n todo-app rollout restart deployment/{app_id}",
        f"-n todo-app rollout status deployment/{app_id} --timeout=180s",
    ]


@pytest.mark.parametrize("service", ["", "frontend", "backend ai-service", "notification"])
def test_rollout_refuses_anything_but_one_app_id(
    fake_kubectl: tuple[dict[str, str], Path], service: str
) -> None:
    env, calls = fake_kubectl
    result = subprocess.run(
        ["make", "-s", "rollout", f"SERVICE={service}"],
        cwd=root(),
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SERVICE must be one of" in result.stderr
    assert not calls.exists()


def test_make_help_lists_the_deploy_verbs() -> None:
    out = subprocess.run(["make", "-s", "help"], cwd=root(), capture_output=True, text=True).stdout
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    for verb in ("k8s-validate", "rollout"):
        assert re.search(rf"^\s+{verb}\s", out, flags=re.M), f"make help lacks {verb}"
