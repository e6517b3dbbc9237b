"""The launcher's failure path: one process cannot start, so nothing is left running."""

import os
import shutil
import socket
import subprocess
import sys

from devstack.processes import tagged_with
from devstack.versions import repo_root


def test_failed_start_stops_everything_and_shows_the_log() -> None:
    run_dir = repo_root() / ".devstack-test-fail"
    shutil.rmtree(run_dir, ignore_errors=True)
    # Hold Redis's port so redis-server cannot bind it.
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen(1)
        port = blocker.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "devstack.cli", "--run-dir", str(run_dir), "up", "--free-ports"],
            env={**os.environ, "DEVSTACK_PORT_REDIS": str(port), "COLUMNS": "200"},
            capture_output=True,
            text=True,
            timeout=180,
            cwd=repo_root(),
        )
    try:
        assert result.returncode != 0
        assert "redis: exited before becoming ready" in result.stdout, result.stdout
        assert "Address already in use" in result.stdout  # the failing process's own log lines
        assert not tagged_with(run_dir)
        assert not list((run_dir / "pids").glob("*.json"))
        assert not (run_dir / "endpoints.json").exists()
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
