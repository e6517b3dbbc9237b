"""Each app's Dapr Configuration, locally (components/config/<app-id>.yaml) and in Kubernetes
(k8s/base/dapr/configuration-<app-id>.yaml), generated from components/access-matrix.yaml:
a template per place holds everything but access (`<app-id>`, `<namespace>` filled in), the
matrix adds the secret scopes and the access policies.

    make generate                                  # write them all
    python -m devstack.configurations --check      # exit 1 if a committed file differs
"""

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from devstack.access_matrix import AccessMatrix
from devstack.manifest import APP_IDS
from devstack.versions import repo_root

MATRIX = "components/access-matrix.yaml"
# where -> (its template, each app's file), relative to the repository root
PLACES = {
    "local": ("components/config/configuration.yaml.in", "components/config/{app_id}.yaml"),
    "k8s": ("k8s/base/dapr/configuration.yaml.in", "k8s/base/dapr/configuration-{app_id}.yaml"),
}
GENERATED = ("secrets", "accessControl")


def target(app_id: str, where: str, root: Path | None = None) -> Path:
    return (root or repo_root()) / PLACES[where][1].format(app_id=app_id)


def render(app_id: str, where: str, matrix: AccessMatrix, root: Path | None = None) -> str:
    """The Configuration file of `app_id` in `where` (local, k8s), as `make generate` writes it."""
    template_path = PLACES[where][0]
    template = ((root or repo_root()) / template_path).read_text()
    # The template's first comment lines are about the template.
    body = re.sub(r"\A(#.*\n)+", "", template)
    body = body.replace("<app-id>", app_id).replace("<namespace>", matrix.namespace(where))
    spec = (yaml.safe_load(body) or {}).get("spec") or {}
    if set(GENERATED) & set(spec):
        raise ValueError(f"{template_path}: {', '.join(GENERATED)} are the matrix's to write")
    lines = [
        f"# Generated from {MATRIX} by `make generate`; do not edit.",
        f"# (What is not access comes from {template_path}.)",
        f"# {app_id}'s sidecar: {_who_may_invoke(app_id, matrix)}.",
        body.rstrip("\n"),
        "  # Secrets this app may read through the secret store API (default: none).",
        *_yaml({"secrets": {"scopes": matrix.secret_scopes(app_id)}}, 2),
        *_yaml({"accessControl": matrix.access_control(app_id, where)}, 2),
    ]
    return "\n".join(lines) + "\n"


def _who_may_invoke(app_id: str, matrix: AccessMatrix) -> str:
    callers = list(matrix.operations(app_id))
    if not callers:
        return "nobody may invoke it through Dapr (every invocation is denied)"
    return f"only {' and '.join(callers)} may invoke it, and only the operations below"


def _yaml(value: dict[str, Any], indent: int) -> list[str]:
    """Block YAML in the style of the hand-written files: lists of scalars in flow style."""
    pad = " " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines += [f"{pad}{key}:", *_yaml(item, indent + 2)]
        elif isinstance(item, list) and item and all(isinstance(i, dict) for i in item):
            lines.append(f"{pad}{key}:")
            for entry in item:
                first, *rest = _yaml(entry, indent + 4)
                lines += [f"{pad}  - {first.lstrip()}", *rest]
        elif isinstance(item, list):
            lines.append(f"{pad}{key}: [{', '.join(json.dumps(str(i)) for i in item)}]")
        else:
            lines.append(f"{pad}{key}: {_scalar(item)}")
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    plain = re.fullmatch(r"[A-Za-z/][\w/*.-]*", text) and yaml.safe_load(text) == value
    return text if plain else json.dumps(text)


def generate(root: Path | None = None) -> dict[Path, str]:
    """Every Configuration file and its content."""
    matrix = AccessMatrix.load(None if root is None else root / MATRIX)
    return {
        target(app_id, where, root): render(app_id, where, matrix, root)
        for where in PLACES
        for app_id in APP_IDS
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.configurations", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a change")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generate().items():
        if path.exists() and path.read_text() == text:
            continue
        stale.append(path.relative_to(repo_root()))
        if not args.check:
            path.write_text(text)
    verb = "differs from what `make generate` writes" if args.check else "written"
    for path in stale:
        print(f"{path}: {verb}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
