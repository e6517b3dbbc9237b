"""The repository keeps its promises: one source of versions and apps, the import contract,
CI = README."""

import re
import subprocess
from pathlib import Path

from devstack import manifest, versions

ROOT = Path(__file__).resolve().parents[1]
# Code that can read manifest.json (Python, bash, make, Tilt, Maven) and so must not restate it.
# The deployment files that cannot (docker-compose.yaml, Dockerfiles, k8s/) carry copies that
# `make k8s-validate` checks; tools/cluster/build/*/go.mod are generated from manifest.json.
CODE = re.compile(r"(\.py|\.sh|\.tiltfile|/Tiltfile|^Tiltfile|Makefile|\.xml|^\.ci/run)$")


def tracked(pattern: re.Pattern[str]) -> dict[str, str]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return {n: (ROOT / n).read_text() for n in names if pattern.search(n) and (ROOT / n).is_file()}


def pinned_values() -> dict[str, str]:
    """Every pinned value of manifest.json (versions, the Dapr commit, the Tilt module sum)."""
    out = {}
    for name, pin in manifest.get("versions").items():
        for field, value in pin.items():
            if field != "why":
                out[f"versions.{name}.{field}"] = str(value)
    return out


def test_no_code_restates_a_pinned_version() -> None:
    code = tracked(CODE)
    restated = [
        f"{path}:{text.count(chr(10), 0, m.start()) + 1}: {key} {value}"
        for key, value in pinned_values().items()
        for path, text in code.items()
        for m in re.finditer(rf"(?<![\d.]){re.escape(value.removeprefix('v'))}(?![\d.])", text)
    ]
    assert not restated, "pinned in manifest.json, restated here:\n" + "\n".join(restated)


def test_no_code_restates_the_app_list() -> None:
    ids = manifest.APP_IDS
    quoted = r"\s*,\s*".join(rf"[\"']{re.escape(a)}[\"']" for a in ids)
    spaced = r"\s+".join(re.escape(a) for a in ids)
    restated = [
        f"{path}: {m.group(0)}"
        for path, text in tracked(CODE).items()
        for m in re.finditer(rf"{quoted}|(?<![\w-]){spaced}(?![\w-])", text)
    ]
    assert not restated, "manifest.json lists the apps; restated here:\n" + "\n".join(restated)


def test_the_scripts_read_the_manifest_with_the_machines_python() -> None:
    """As the bootstrap does, before any virtualenv: python3 runs the reader on its own."""
    reader = ROOT / "tools" / "devstack" / "src" / "devstack" / "manifest.py"
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    run = subprocess.run(
        ["python3", str(reader), "versions.dapr.version", "versions.tilt.sum", "apps"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert run.stdout.splitlines() == [
        versions.DAPR_VERSION,
        versions.TILT_SUM,
        " ".join(manifest.APP_IDS),
    ]
    missing = subprocess.run(
        ["python3", str(reader), "versions.nothing.version"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 1 and "no versions.nothing.version" in missing.stderr


def test_the_kafka_build_takes_its_version_from_the_bootstrap() -> None:
    pom = (ROOT / "tools" / "kafka" / "pom.xml").read_text()
    assert "<kafka.version>" not in pom and "${kafka.version}" in pom
    assert '-Dkafka.version="$KAFKA_VERSION"' in (ROOT / "tools" / "bootstrap.sh").read_text()


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
