"""k8s/overlays/dev/secrets/: one git-ignored file per Secret the dev overlay generates."""

import secrets
from pathlib import Path

from deploycheck.facts import apps, root
from devstack.dev_secrets import ensure_dev_secrets


def secrets_dir() -> Path:
    return root() / "k8s" / "overlays" / "dev" / "secrets"


def ensure() -> Path:
    """The values of components/secrets/dev.json (the one source of dev secrets), plus a random
    token per app and direction, kept once made so a running dev cluster keeps its tokens."""
    folder = secrets_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for name, value in ensure_dev_secrets().items():
        _write(folder / name, value, replace=True)
    for app_id in apps():
        for kind in ("dapr-api-token", "app-api-token"):
            _write(folder / f"{app_id}-{kind}", secrets.token_urlsafe(24), replace=False)
    return folder


def _write(path: Path, value: str, *, replace: bool) -> None:
    if path.exists() and (not replace or path.read_text() == value):
        return
    path.write_text(value)
    path.chmod(0o600)
