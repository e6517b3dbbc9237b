"""Start a stack's topology wave by wave, stop it, and tell each process's health."""

import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from devstack import topology
from devstack.processes import (
    ProcessSpec,
    Running,
    StartError,
    kill_tagged,
    start,
    wait_ready,
)
from devstack.stack import Stack

Reporter = Callable[[str], None]


def up(stack: Stack, report: Reporter = print) -> None:
    """Start every wave, in order, each process's readiness awaited. On failure, stop all."""
    stack.save()
    started: list[Running] = []
    t0 = time.monotonic()
    try:
        for wave in topology.waves(stack):
            _start_wave(stack, wave, started, report)
    except StartError:
        report("startup failed; stopping everything started")
        down(stack, report=lambda _: None)
        raise
    stack.write_endpoints()
    report(
        f"stack healthy in {time.monotonic() - t0:.1f}s; endpoints: "
        f"{stack.run_dir / 'endpoints.json'}"
    )


def _start_wave(
    stack: Stack, wave: list[ProcessSpec], started: list[Running], report: Reporter
) -> None:
    with ThreadPoolExecutor(max_workers=len(wave)) as pool:
        running = {}
        for spec in wave:
            existing = stack.table.load(spec.name)
            if existing is not None and existing.alive():
                raise StartError(
                    spec.name,
                    f"already running (pid {existing.pid}); run `make down` first",
                    Path(existing.log),
                )
            running[spec.name] = start(spec, stack.table)
            started.append(running[spec.name])
        futures = {s.name: pool.submit(wait_ready, s, running[s.name]) for s in wave}
        errors = []
        for name, future in futures.items():
            try:
                report(f"  ready  {name:<28} {future.result():5.1f}s")
            except StartError as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


def down(stack: Stack, report: Reporter = print) -> None:
    """Stop every process this run directory knows, last started first."""
    order = topology.names(stack.replicas)
    known = stack.table.names()
    extra = [n for n in known if n not in order]
    for name in [*extra, *reversed(order)]:
        if stack.table.stop(name):
            report(f"  stopped {name}")
    for pid in kill_tagged(stack.run_dir):
        report(f"  killed orphan pid {pid}")
    (stack.run_dir / "endpoints.json").unlink(missing_ok=True)
    if stack.nameres_db.parent != stack.run_dir:
        shutil.rmtree(stack.nameres_db.parent, ignore_errors=True)


def status(stack: Stack) -> list[tuple[str, str, bool]]:
    """(name, pid or '-', healthy) for each process of the topology."""
    rows = []
    for wave in topology.waves(stack):
        for spec in wave:
            running = stack.table.load(spec.name)
            alive = running is not None and running.alive()
            healthy = alive and _safe_probe(spec)
            rows.append((spec.name, str(running.pid) if alive and running else "-", healthy))
    return rows


def _safe_probe(spec: ProcessSpec) -> bool:
    try:
        return spec.probe()
    except Exception:
        return False
