"""docker-compose.yaml: a valid Compose file (the compose_spec parser, strict about keys) with
docs/architecture.md's sidecar pattern, at the launcher's ports and the pinned versions."""

import re
from pathlib import Path
from typing import Any

import yaml
from compose_spec import PyOptions

from deploycheck.facts import DAPR_VERSION, KAFKA_VERSION, apps, root

CONTROL_PLANE = ("sentry", "scheduler", "placement")
INFRA = ("kafka", "redis", "postgres")


def compose_file() -> Path:
    return root() / "docker-compose.yaml"


def check(text: str | None = None) -> list[str]:
    text = compose_file().read_text() if text is None else text
    try:
        parsed = PyOptions(apply_merge=True).from_yaml(text)
        parsed.validate()
    except ValueError as exc:
        return [f"docker-compose.yaml: not a valid Compose file: {exc}"]
    spec: dict[str, Any] = parsed.to_dict()
    services: dict[str, Any] = spec.get("services") or {}
    errors: list[str] = []

    def err(message: str) -> None:
        errors.append(f"docker-compose.yaml: {message}")

    for name in (*CONTROL_PLANE, *INFRA):
        if name not in services:
            err(f"no service {name}")
    if not any("mailpit" in str(s.get("image", "")) or "smtp" in n for n, s in services.items()):
        err("no SMTP sink service")
    for name in CONTROL_PLANE:
        image = str(services.get(name, {}).get("image", ""))
        if image != f"daprio/dapr:{DAPR_VERSION}":
            err(f"{name} runs {image or 'no image'}, Dapr is pinned at {DAPR_VERSION}")
    kafka_image = str(services.get("kafka", {}).get("image", ""))
    if kafka_image.rpartition(":")[2] != KAFKA_VERSION:
        err(f"kafka runs {kafka_image}, the stack pins Kafka {KAFKA_VERSION}")
    daprd_dockerfile = root() / "tools" / "compose" / "daprd.Dockerfile"
    pinned = re.search(r"^ARG DAPR_VERSION=(\S+)", daprd_dockerfile.read_text(), flags=re.M)
    if not pinned or pinned.group(1) != DAPR_VERSION:
        err(f"{daprd_dockerfile.name} does not pin DAPR_VERSION={DAPR_VERSION}")

    for app in apps().values():
        service = services.get(app.app_id)
        if service is None:
            err(f"no service {app.app_id}")
            continue
        build = service.get("build") or {}
        dockerfile = (build.get("dockerfile") if isinstance(build, dict) else None) or ""
        if dockerfile != app.dockerfile.relative_to(root()).as_posix():
            err(f"{app.app_id} is not built from {app.dockerfile.relative_to(root())}")
        sidecars = [
            n for n, s in services.items() if s.get("network_mode") == f"service:{app.app_id}"
        ]
        if len(sidecars) != 1:
            err(f"{app.app_id} needs exactly one daprd with network_mode service:{app.app_id}")
            continue
        sidecar = services[sidecars[0]]
        sidecar_build = sidecar.get("build") or {}
        args = (sidecar_build.get("args") if isinstance(sidecar_build, dict) else None) or {}
        built = str(args.get("DAPR_VERSION")) if isinstance(args, dict) else "?"
        tag = str(sidecar.get("image", "")).rpartition(":")[2]
        if built != DAPR_VERSION or tag != DAPR_VERSION:
            err(f"{sidecars[0]}: daprd {built}, tagged {tag}; Dapr is pinned at {DAPR_VERSION}")
        argv = [str(a) for a in sidecar.get("command") or []]
        flags = dict(zip(argv, [*argv[1:], ""], strict=True))
        if flags.get("--app-id") != app.app_id:
            err(f"{sidecars[0]}: --app-id {flags.get('--app-id')}, expected {app.app_id}")
        if flags.get("--app-port") != str(app.port):
            port = flags.get("--app-port")
            err(f"{sidecars[0]}: --app-port {port}, the app listens on {app.port}")
        if "--enable-mtls" not in argv or "sentry" not in flags.get("--sentry-address", ""):
            err(f"{sidecars[0]}: mTLS through sentry is off")
        config = flags.get("--config", "")
        local = root() / "components" / "config" / f"{app.app_id}.yaml"
        if config != f"/components/config/{app.app_id}.yaml" or not local.exists():
            err(f"{sidecars[0]}: --config {config} is not the app's own Configuration")
    return errors


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(compose_file().read_text())
    return data
