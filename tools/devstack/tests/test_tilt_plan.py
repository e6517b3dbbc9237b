"""`devstack tilt-plan|run|probe`: Tilt's resources come from the launcher's own topology."""

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack import tiltplan, topology
from devstack.ports import Ports
from devstack.processes import ProcessSpec, tagged_with
from devstack.stack import APP_IDS, Stack
from devstack.versions import repo_root


@pytest.fixture
def stack(tmp_path: Path) -> Stack:
    return Stack.create(tmp_path / "run", Ports.free())


def resources(stack: Stack) -> dict[str, dict[str, object]]:
    return {r["name"]: r for r in tiltplan.plan(stack)["resources"]}


def test_every_process_of_the_launcher_is_a_resource_in_its_order(stack: Stack) -> None:
    names = topology.names()
    assert [r["name"] for r in tiltplan.plan(stack)["resources"]] == names
    assert {"postgres", "redis", "kafka", "sentry", "scheduler", "placement"} <= set(names)


def test_each_wave_waits_for_the_previous_one(stack: Stack) -> None:
    plan = resources(stack)
    waves = topology.waves(stack)
    for spec in waves[0]:
        assert plan[spec.name]["resource_deps"] == []
    for before, wave in itertools.pairwise(waves):
        for spec in wave:
            assert plan[spec.name]["resource_deps"] == [s.name for s in before]


def test_labels_links_and_watched_paths(stack: Stack) -> None:
    plan = resources(stack)
    root = repo_root()
    assert plan["postgres"]["labels"] == ["infra"]
    assert plan["kafka"]["labels"] == ["infra"]
    assert plan["sentry"]["labels"] == ["dapr"]
    assert plan["daprd-backend"]["labels"] == ["dapr"]
    for app_id in APP_IDS:
        app = plan[app_id]
        assert app["labels"] == ["apps"]
        port = stack.ports.apps[app_id].app
        assert app["links"] == [{"url": f"http://127.0.0.1:{port}/docs", "name": "API docs"}]
        # Only the app's own package (and the shared library): editing it restarts that app.
        package = app_id.replace("-", "_")
        assert app["deps"] == [
            str(root / "services" / app_id / "src" / package),
            str(root / "libs" / "dapr_common" / "src"),
        ]
        assert plan[f"daprd-{app_id}"]["deps"] == [str(root / "components")]
    assert plan["postgres"]["deps"] == []


def test_with_replicas_every_replica_is_a_resource_labelled_as_its_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVSTACK_REPLICAS", "2")
    stack = tiltplan.stack_for_tilt(tmp_path / "run", free_ports=True)
    plan = resources(stack)
    assert list(plan) == topology.names(2)
    for app_id in APP_IDS:
        assert plan[f"{app_id}.1"]["labels"] == ["apps"]
        assert plan[f"daprd-{app_id}.1"]["labels"] == ["dapr"]


def test_http_probes_run_in_tilt_the_others_through_the_launcher(stack: Stack) -> None:
    plan = resources(stack)
    ap = stack.ports.apps["backend"]
    assert plan["daprd-backend"]["readiness_probe"]["http_get"] == {
        "host": "127.0.0.1",
        "port": ap.http,
        "path": "/v1.0/healthz",
    }
    assert plan["backend"]["readiness_probe"]["http_get"]["path"] == "/healthz"
    # sentry's readiness includes its trust bundle on disk; postgres's, its databases; a
    # callee's sidecar's, an invocation of its app through its caller's sidecar.
    for name in ("postgres", "redis", "kafka", "sentry", "daprd-notification-service"):
        probe = plan[name]["readiness_probe"]["exec"]
        assert probe[-2:] == ["probe", name]
        assert probe[:3] == [sys.executable, "-m", "devstack.supervised"]


def test_a_process_the_launcher_gains_appears_without_tiltfile_changes(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SMTP sink added to the first wave: a resource of its own, with the launcher's probe."""
    original = topology.waves

    def waves(stack: Stack) -> list[list[ProcessSpec]]:
        first, *rest = original(stack)
        sink = ProcessSpec(
            name="smtp-sink",
            argv=[sys.executable, "-m", "aiosmtpd"],
            probe=lambda: True,
        )
        return [[*first, sink], *rest]

    monkeypatch.setattr(topology, "waves", waves)
    plan = resources(stack)
    assert plan["smtp-sink"]["labels"] == ["infra"]
    assert plan["smtp-sink"]["serve_cmd"][-2:] == ["run", "smtp-sink"]
    assert plan["smtp-sink"]["readiness_probe"]["exec"][-2:] == ["probe", "smtp-sink"]
    assert "smtp-sink" in plan["scheduler"]["resource_deps"]


def test_e2e_runs_the_cross_service_suites_against_this_run_dir(stack: Stack) -> None:
    e2e = tiltplan.plan(stack)["e2e"]
    assert e2e["env"] == {"SMOKE_RUN_DIR": str(stack.run_dir)}
    assert e2e["resource_deps"] == topology.names()
    assert e2e["cmd"][:5] == [sys.executable, "-m", "pytest", "-m", tiltplan.E2E_MARKERS]
    assert "not disruptive" in tiltplan.E2E_MARKERS


def devstack(run_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack.cli", "--run-dir", str(run_dir), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root(),
    )


@pytest.fixture
def planned(tmp_path: Path) -> Iterator[Path]:
    """A run dir with the state `tilt-plan` saves; whatever ran in it is stopped after."""
    run_dir = tmp_path / "run"
    out = devstack(run_dir, "tilt-plan", "--free-ports")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["run_dir"] == str(run_dir.resolve())
    yield run_dir
    devstack(run_dir, "down")
    assert not tagged_with(run_dir.resolve())


def test_tilt_plan_keeps_the_state_of_a_running_stack(planned: Path) -> None:
    first = json.loads((planned / "stack.json").read_text())
    again = devstack(planned, "tilt-plan", "--free-ports")
    assert json.loads((planned / "stack.json").read_text()) != first  # nothing runs: new
    running = json.loads((planned / "stack.json").read_text())
    sleeper = subprocess.Popen(
        ["sleep", "60"], env={**os.environ, "DEVSTACK_RUN_DIR": str(planned.resolve())}
    )
    try:
        again = devstack(planned, "tilt-plan", "--free-ports")
        assert again.returncode == 0
        # A Tiltfile reload while processes run keeps their ports and tokens.
        assert json.loads((planned / "stack.json").read_text()) == running
    finally:
        sleeper.kill()
        sleeper.wait()


def test_run_becomes_the_process_and_probe_tells_when_it_is_ready(planned: Path) -> None:
    assert devstack(planned, "probe", "redis").returncode == 1  # not started yet
    proc = subprocess.Popen(
        [sys.executable, "-m", "devstack.supervised", "--run-dir", str(planned), "run", "redis"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # as Tilt starts it
    )
    try:
        deadline = time.monotonic() + 20
        while devstack(planned, "probe", "redis").returncode != 0:
            assert proc.poll() is None, "redis exited"
            assert time.monotonic() < deadline, "redis not ready"
            time.sleep(0.3)
        # exec, not a child: the pid Tilt holds is redis itself, and `status` knows it.
        assert b"redis-server" in Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")[0]
        assert json.loads((planned / "pids" / "redis.json").read_text())["pid"] == proc.pid
        assert "redis" in devstack(planned, "status").stdout
        # A second copy refuses rather than fight over the port.
        second = devstack(planned, "run", "redis")
        assert second.returncode == 1 and "already running" in second.stdout + second.stderr
        os.killpg(proc.pid, signal.SIGTERM)  # what Tilt sends
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_run_and_probe_name_the_unknown_process(planned: Path) -> None:
    assert devstack(planned, "run", "nope").returncode == 1
    probe = devstack(planned, "probe", "nope")
    assert probe.returncode == 2 and "no process 'nope'" in probe.stderr
