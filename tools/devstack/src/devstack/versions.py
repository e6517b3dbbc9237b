"""The pinned versions of the runtime parts (manifest.json), and where the bootstrap caches them."""

import os
from pathlib import Path

from devstack import manifest

# Read from manifest.json (the `why` of each pin is there too).
DAPR_VERSION = manifest.version("dapr")
DAPR_COMMIT = str(manifest.get("versions.dapr.commit"))
KAFKA_VERSION = manifest.version("kafka")
TILT_VERSION = manifest.version("tilt")
TILT_SUM = str(manifest.get("versions.tilt.sum"))
# The Dapr binaries the local stack runs (the bootstrap builds operator and injector too).
DAPR_BINARIES = ("daprd", "sentry", "scheduler", "placement")


def cache_dir() -> Path:
    """Root of everything built or downloaded; outside the repository so fresh clones reuse it."""
    override = os.environ.get("DAPR_TODO_CACHE")
    if override:
        return Path(override).expanduser()
    return Path.home() / ".cache" / "dapr-todo"


def dapr_bin(name: str) -> Path:
    return cache_dir() / "dapr" / DAPR_VERSION / name


def kafka_libs() -> Path:
    return cache_dir() / "kafka" / KAFKA_VERSION / "libs"


def tilt_bin() -> Path:
    return cache_dir() / "tilt" / TILT_VERSION / "tilt"


def repo_root() -> Path:
    """The repository this launcher runs from (the directory holding components/)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "components").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    raise RuntimeError(f"cannot find the repository root above {here}")
