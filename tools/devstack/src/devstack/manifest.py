"""manifest.json, the one source of the product's apps, the local stack's ports and the pinned
versions. Standard library only: the bootstrap scripts and the Makefile run this file with
the machine's python3, before any virtualenv exists:

    python3 tools/devstack/src/devstack/manifest.py versions.tilt.version   # the pinned Tilt
    python3 tools/devstack/src/devstack/manifest.py apps   # the app-ids, space-separated
"""

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

FILE_NAME = "manifest.json"


def path() -> Path:
    """manifest.json at the root of the repository this file belongs to."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / FILE_NAME).is_file():
            return parent / FILE_NAME
    raise RuntimeError(f"no {FILE_NAME} above {here}")


def _without_comments(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_comments(v) for k, v in value.items() if k != "$comment"}
    return value


@cache
def load() -> dict[str, Any]:
    """The manifest without its `$comment` fields (shared: do not modify it)."""
    doc: dict[str, Any] = _without_comments(json.loads(path().read_text()))
    return doc


def get(key: str) -> Any:
    """The value at a dotted key, `versions.dapr.commit`; KeyError names the missing part."""
    value: Any = load()
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            raise KeyError(f"{FILE_NAME} has no {key}")
        value = value[part]
    return value


def version(name: str) -> str:
    """The pinned version of one part (`dapr`, `tilt`, `kubernetes`, ...)."""
    return str(get(f"versions.{name}.version"))


def ports() -> dict[str, int]:
    """The local stack's default ports other than the apps' (make up)."""
    return {name: int(port) for name, port in get("ports").items()}


def app_ports() -> dict[str, dict[str, int]]:
    """app-id -> its default ports in the local stack (app, http, grpc, internal_grpc, metrics)."""
    return {app_id: dict(app["ports"]) for app_id, app in get("apps").items()}


APP_IDS: tuple[str, ...] = tuple(get("apps"))
APP_MODULES: dict[str, str] = {app_id: app["asgi"] for app_id, app in get("apps").items()}


def _shell_word(value: Any) -> str:
    if isinstance(value, dict | list):
        return " ".join(str(v) for v in value)
    return str(value)


def main(argv: list[str]) -> int:
    """Print each key's value on a line of its own (a mapping or list: its items, spaced)."""
    if not argv:
        print(f"usage: {Path(__file__).name} KEY... (e.g. versions.dapr.version, apps)")
        return 2
    try:
        values = [get(key) for key in argv]
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    for value in values:
        print(_shell_word(value))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
