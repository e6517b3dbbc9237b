"""Pinned versions of the runtime parts, and where the bootstrap caches them."""

import os
from pathlib import Path

# Newest Dapr release whose whole dependency graph the Go module proxy serves here: 1.18.3
# needs durabletask-go v0.12.4 and a pulsar-client-go fork the proxy refuses (see README).
DAPR_VERSION = "1.18.2"
DAPR_COMMIT = "d2dd3747145e38e4d85db4714e26d7569c9c37db"
KAFKA_VERSION = "4.4.0"
DAPR_BINARIES = ("daprd", "sentry", "scheduler", "placement")
# The newest Tilt release the module proxy serves here (0.34.1 and later: 403). The checksum
# database has no entry for it, so the bootstrap checks the module zip against this sum.
TILT_VERSION = "0.34.0"
TILT_SUM = "h1:oJAAkIiV34TEdlNqjDWkKG29hsAln7Ao28F+RTEZN24="


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
