"""What `tilt up` runs, derived from the launcher's own topology (`devstack tilt-plan`).

The Tiltfile holds no list of processes: every process of `topology.waves()` becomes one Tilt
resource that runs `devstack run <name>` (the same prepare step, env and argv as `up`), waits
on the previous wave, and is ready when the launcher's own probe passes.
"""

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from devstack import topology
from devstack.ports import Ports, replica_count
from devstack.probes import HttpStatus
from devstack.processes import ProcessSpec, tagged_with
from devstack.stack import APP_IDS, Stack
from devstack.versions import dapr_bin

# Exec probes start a Python process each time: often enough to notice readiness quickly,
# rarely enough to stay cheap on a laptop once everything is up.
EXEC_PROBE = {"period_secs": 3, "timeout_secs": 10}
HTTP_PROBE = {"period_secs": 1, "timeout_secs": 2}
# The cross-service suites, against the stack Tilt runs; `disruptive` tests stop and restart
# processes themselves, which would fight Tilt over them.
E2E_MARKERS = "integration and not disruptive"
E2E_PATHS = ("libs", "services", "tests/e2e")


def stack_for_tilt(run_dir: Path, *, free_ports: bool = False) -> Stack:
    """The stack of `run_dir`: the one whose processes are running (a Tiltfile reload keeps
    their ports and tokens), else a new one whose state is saved for `devstack run`."""
    if (run_dir / "stack.json").exists() and tagged_with(run_dir.resolve()):
        return Stack.load(run_dir)
    replicas = replica_count(os.environ.get("DEVSTACK_REPLICAS"))
    ports = Ports.free(replicas).with_env_overrides() if free_ports else Ports.from_env(replicas)
    stack = Stack.create(run_dir, ports)
    stack.save()
    stack.write_endpoints()
    return stack


def label_of(spec: ProcessSpec) -> str:
    """apps (the product), dapr (the runtime built from Dapr's module), infra (the rest)."""
    if spec.name.partition(".")[0] in APP_IDS:  # an app, or a replica of one (`backend.1`)
        return "apps"
    argv = spec.argv() if callable(spec.argv) else spec.argv
    if Path(argv[0]).parent == dapr_bin("daprd").parent:
        return "dapr"
    return "infra"


def _supervised(stack: Stack, *args: str) -> list[str]:
    """`devstack run|probe …` without the CLI's imports (Tilt probes every few seconds)."""
    return [sys.executable, "-m", "devstack.supervised", "--run-dir", str(stack.run_dir), *args]


def readiness_probe(stack: Stack, spec: ProcessSpec) -> dict[str, Any]:
    """An HTTP probe Tilt runs itself where the launcher's probe is one, else `devstack probe`."""
    probe = spec.probe
    if isinstance(probe, HttpStatus) and probe.headers is None and spec.after_ready is None:
        url = urlsplit(probe.url)
        return {
            "http_get": {"host": url.hostname, "port": url.port, "path": url.path},
            **HTTP_PROBE,
        }
    return {"exec": _supervised(stack, "probe", spec.name), **EXEC_PROBE}


def links_of(stack: Stack, spec: ProcessSpec) -> list[dict[str, str]]:
    if spec.name not in APP_IDS:
        return []
    base = f"http://127.0.0.1:{stack.ports.apps[spec.name].app}"
    return [{"url": f"{base}/docs", "name": "API docs"}]


def plan(stack: Stack) -> dict[str, Any]:
    """Every process as a Tilt resource, in the launcher's order, plus the e2e suite."""
    resources: list[dict[str, Any]] = []
    previous: list[str] = []
    for wave in topology.waves(stack):
        for spec in wave:
            resources.append(
                {
                    "name": spec.name,
                    "labels": [label_of(spec)],
                    "serve_cmd": _supervised(stack, "run", spec.name),
                    "resource_deps": previous,
                    "readiness_probe": readiness_probe(stack, spec),
                    "deps": [str(p) for p in spec.watch],
                    "links": links_of(stack, spec),
                }
            )
        previous = [spec.name for spec in wave]
    return {
        "run_dir": str(stack.run_dir),
        "resources": resources,
        "e2e": {
            "name": "e2e",
            "labels": ["tests"],
            "cmd": [
                sys.executable,
                "-m",
                "pytest",
                "-m",
                E2E_MARKERS,
                "-p",
                "no:cacheprovider",
                *(str(stack.root / p) for p in E2E_PATHS),
            ],
            "dir": str(stack.root),
            "env": {"SMOKE_RUN_DIR": str(stack.run_dir)},
            "resource_deps": [r["name"] for r in resources],
        },
        "ports": stack.ports.to_dict(),
        "endpoints": str(stack.run_dir / "endpoints.json"),
    }
