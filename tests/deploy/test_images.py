"""Each service's Dockerfile installs that service's package, runs it on the launcher's port as
a non-root user with a health check, and passes hadolint; the checks catch each way to break it."""

import re

import pytest

from deploycheck import dockerfiles
from deploycheck.facts import App, apps, root

APP_IDS = list(apps())


@pytest.mark.parametrize("app_id", APP_IDS)
def test_dockerfile_agrees_with_its_package_and_the_launcher(app_id: str) -> None:
    assert dockerfiles.check_service(apps()[app_id]) == []


def test_every_dockerfile_passes_hadolint() -> None:
    assert dockerfiles.hadolint(dockerfiles.dockerfiles()) == []


def test_hadolint_reports_a_bad_dockerfile(tmp_path: pytest.TempPathFactory) -> None:
    bad = tmp_path / "Dockerfile"  # type: ignore[operator]
    bad.write_text("FROM python\nRUN cd /tmp && pip install requests\n")
    findings = dockerfiles.hadolint([bad])
    assert any("DL3006" in f for f in findings)  # untagged base image
    assert any("DL3013" in f or "DL3042" in f for f in findings)  # unpinned / cached pip


def test_the_build_context_keeps_secrets_and_other_state_out() -> None:
    ignore = dockerfiles.read_dockerignore()
    for path in (
        "components/secrets/dev.json",
        "k8s/overlays/dev/secrets/jwt-signing-key",
        ".venv/bin/python",
        ".git/config",
        ".devstack/stack.json",
        "services/backend/tests/api/conftest.py",
    ):
        assert dockerignore_keeps_out(path, ignore), path
    for path in (
        "uv.lock",
        "services/backend/src/backend/main.py",
        "libs/dapr_common/pyproject.toml",
    ):
        assert not dockerignore_keeps_out(path, ignore), path


def dockerignore_keeps_out(path: str, patterns: list[str]) -> bool:
    return dockerfiles.dockerignore_excludes(path, patterns)


def _mutated(app: App, old: str, new: str) -> list[str]:
    text = app.dockerfile.read_text()
    assert re.search(old, text, flags=re.M), f"{old!r} not in {app.dockerfile}"
    return dockerfiles.check_service(app, re.sub(old, new, text, count=1, flags=re.M))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (r"^EXPOSE \d+", "EXPOSE 9999", "EXPOSE [9999]"),
        (r"^USER .*", "USER root", "runs as root"),
        (r"^USER .*", "USER app", "numeric uid"),
        (r"^HEALTHCHECK", "# HEALTHCHECK", "no HEALTHCHECK"),
        (r"/healthz'", "/docs'", "HEALTHCHECK does not probe"),
        (r"--package \S+$", "--package devstack", "installs --package devstack"),
        (r" --no-dev", "", "lacks --no-dev"),
        (r'"--port", "\d+"', '"--port", "9000"', "CMD listens on 9000"),
        (r'CMD \["uvicorn", "[^"]+"', 'CMD ["uvicorn", "other.main:app"', "CMD serves"),
        (
            r"^COPY libs/dapr_common",
            "COPY services/ai-service services/ai-service\nCOPY libs/dapr_common",
            "copies other services",
        ),
    ],
)
def test_a_broken_dockerfile_is_reported(old: str, new: str, expected: str) -> None:
    errors = _mutated(apps()["backend"], old, new)
    assert any(expected in e for e in errors), errors


def test_a_single_stage_dockerfile_is_reported() -> None:
    app = apps()["ai-service"]
    single = "FROM python:3.11-slim\nUSER 1000\nEXPOSE 8002\n"
    assert any("not multi-stage" in e for e in dockerfiles.check_service(app, single))


def test_the_launcher_app_must_exist_in_the_package() -> None:
    real = apps()["ai-service"]
    renamed = App(
        real.app_id, real.directory, real.distribution, "ai_service.nowhere:app", real.port
    )
    assert any("is not defined" in e for e in dockerfiles.check_service(renamed))


def test_every_service_has_its_dockerfile_at_the_documented_path() -> None:
    for app_id in APP_IDS:
        assert (root() / "services" / app_id / "Dockerfile").is_file()
