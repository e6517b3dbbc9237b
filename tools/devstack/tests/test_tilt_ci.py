"""`tilt ci` on the Tiltfile's local mode: every server ready, the e2e resource green, exit 0."""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from devstack.ports import free_port
from devstack.processes import tagged_with
from devstack.testing import devstack_cli
from devstack.versions import repo_root, tilt_bin

pytestmark = pytest.mark.integration


@pytest.mark.timeout(960)  # a whole stack plus the e2e suites: beyond the default 300 s
def test_tilt_ci_brings_up_the_stack_and_passes_e2e(tmp_path: Path) -> None:
    tilt = tilt_bin()
    assert tilt.exists(), f"{tilt} missing: run `make bootstrap`"
    run_dir = repo_root() / ".devstack-tilt-test"
    if (run_dir / "stack.json").exists():
        devstack_cli(run_dir, "down")
    shutil.rmtree(run_dir, ignore_errors=True)
    env = {
        **os.environ,
        "DEVSTACK_RUN_DIR": str(run_dir),
        # No cluster here, and none wanted: Tilt must not read a developer's kube contexts.
        "KUBECONFIG": str(tmp_path / "no-kubeconfig"),
    }
    # Tilt's web and API port: not the default 10350 a developer's `tilt up` holds (Tilt keys
    # its own client config by port, so the two do not meet there either).
    port = free_port()
    t0 = time.monotonic()
    try:
        result = subprocess.run(
            [str(tilt), "ci", "--port", str(port), "--", "--free-ports"],
            cwd=repo_root(),
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        elapsed = time.monotonic() - t0
        log = result.stdout + result.stderr
        (tmp_path / "tilt-ci.log").write_text(log)
        assert result.returncode == 0, f"tilt ci failed after {elapsed:.0f}s:\n{log[-6000:]}"
        # Really ran: the suites passed inside the e2e resource, against this run dir.
        summary = re.search(r"e2e │ =+ (.*) in [0-9.]+s", log)
        assert summary and re.match(r"\d+ passed", summary.group(1)), log[-3000:]
        assert "failed" not in summary.group(1) and "error" not in summary.group(1)
        assert "SUCCESS. All workloads are healthy." in log, log[-3000:]
        # Tilt stops what it started when it exits: nothing of the stack outlives it.
        deadline = time.monotonic() + 30
        while tagged_with(run_dir) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not tagged_with(run_dir), "processes outlived tilt ci"
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/api/view", timeout=2)
    finally:
        down = devstack_cli(run_dir, "down")
        assert "orphan" not in down.stdout, down.stdout
