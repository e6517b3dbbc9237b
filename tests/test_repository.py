"""The repository keeps its promises: one source of versions, the import contract, CI = README."""

import re
import subprocess
from pathlib import Path

from devstack import versions

ROOT = Path(__file__).resolve().parents[1]


def test_bootstrap_and_launcher_pin_the_same_versions() -> None:
    script = (ROOT / "tools" / "bootstrap.sh").read_text()
    assert f"DAPR_VERSION={versions.DAPR_VERSION}\n" in script
    assert f"DAPR_COMMIT={versions.DAPR_COMMIT}\n" in script
    assert f"KAFKA_VERSION={versions.KAFKA_VERSION}\n" in script
    assert f"TILT_VERSION={versions.TILT_VERSION}\n" in script
    assert f"TILT_SUM={versions.TILT_SUM}\n" in script
    pom = (ROOT / "tools" / "kafka" / "pom.xml").read_text()
    assert f"<kafka.version>{versions.KAFKA_VERSION}</kafka.version>" in pom


def test_python_sdk_matches_the_runtime_minor_version() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    sdk = re.search(r'"dapr==([0-9.]+)"', pyproject)
    assert sdk is not None
    assert sdk.group(1).split(".")[:2] == versions.DAPR_VERSION.split(".")[:2]


def test_no_service_imports_another() -> None:
    result = subprocess.run(["lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Services never import each other KEPT" in result.stdout


def test_ci_runs_exactly_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \w+)", quick_start, flags=re.M)
    assert commands == ["make dev", "make test"]
    ci = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line and not line.startswith("#") and not line.startswith(("set ", "cd "))
    ]
    assert ci == ["make test"]


def test_make_help_lists_every_verb() -> None:
    out = subprocess.run(["make", "-s", "help"], cwd=ROOT, capture_output=True, text=True).stdout
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    for verb in ("bootstrap", "dev", "up", "down", "status", "logs", "test", "lint"):
        assert re.search(rf"^\s+{verb}\s", out, flags=re.M), f"make help lacks {verb}"
