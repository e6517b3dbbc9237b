"""What the smoke tests hold: the running stack and the probe app, with clients for each."""

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from devstack.processes import tagged_with
from devstack.stack import Stack
from devstack.versions import repo_root
from tests.smoke.probe_app import Inbox

HERE = Path(__file__).parent
PROBE_ID = "smoke-probe"


@dataclass
class SmokeStack:
    stack: Stack
    endpoints: dict[str, Any]

    def sidecar(self, app_id: str, *, token: bool = True) -> httpx.Client:
        app = self.endpoints["apps"][app_id]
        headers = {"dapr-api-token": app["dapr_api_token"]} if token else {}
        return httpx.Client(base_url=app["dapr_http"], headers=headers, timeout=15.0)

    def app(self, app_id: str) -> httpx.Client:
        return httpx.Client(base_url=self.endpoints["apps"][app_id]["app_url"], timeout=15.0)


def devstack_cli(run_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack.cli", "--run-dir", str(run_dir), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root(),
    )


def processes_mentioning(run_dir: Path) -> list[int]:
    """Live processes the launcher started for `run_dir` (tagged in their environment)."""
    return tagged_with(run_dir)


@dataclass
class Probe:
    inbox: Inbox
    topic_prefix: str
    sidecar: httpx.Client
    dapr_http: str
