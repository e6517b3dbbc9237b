"""The git-ignored file of random dev secrets that the local secret store serves."""

import json
import secrets
from pathlib import Path

from devstack.versions import repo_root

SECRET_NAMES = ("postgres-password", "redis-password", "smtp-password", "jwt-signing-key")


def secrets_file() -> Path:
    return repo_root() / "components" / "secrets" / "dev.json"


def ensure_dev_secrets() -> dict[str, str]:
    """Create the file on first use; later calls keep its values and add any new names."""
    path = secrets_file()
    values: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    missing = [name for name in SECRET_NAMES if name not in values]
    if missing:
        for name in missing:
            values[name] = secrets.token_urlsafe(48 if name.endswith("-key") else 24)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2) + "\n")
        path.chmod(0o600)
    return values
