"""The cluster suite: the dev cluster (`make cluster-up`) started once for the session and
stopped at its end; the teardown fails if anything of it outlives `cluster down`."""

import email
import email.message
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.cluster import BRIDGE, NAMESPACE, SYSCTLS, Cluster, k8s_bin
from devstack.processes import tagged_with
from devstack.versions import repo_root

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.cluster)
            # the first one's setup brings the cluster up: images built, every rollout done
            item.add_marker(pytest.mark.timeout(1800))


def cluster_cli(cluster: Cluster, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "devstack.cluster", command],
        env={**os.environ, "DEVCLUSTER_DIR": str(cluster.home)},
        capture_output=True,
        text=True,
        check=False,
        cwd=repo_root(),
    )


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A cluster of the suite's own in .devcluster-test/; with DEVCLUSTER_REUSE=<dir>, the one
    already running there (Tilt's cluster mode runs the journeys against `.devcluster`)."""
    reuse = os.environ.get("DEVCLUSTER_REUSE")
    if reuse:
        yield Cluster(Path(reuse))
        return
    cluster = Cluster(repo_root() / ".devcluster-test")
    cluster_cli(cluster, "down")
    if subprocess.run(["ip", "link", "show", BRIDGE], capture_output=True).returncode == 0:
        pytest.fail(f"another dev cluster holds {BRIDGE} (one per machine): `make cluster-down`")
    sysctls = {key: Path(key).read_text() for key in SYSCTLS}
    up = cluster_cli(cluster, "up")
    (cluster.home / "up.log").write_text(up.stdout + up.stderr)  # each step with its time
    if up.returncode != 0:
        down = cluster_cli(cluster, "down")  # nothing of a failed start may outlive the suite
        pytest.fail(f"cluster up failed:\n{up.stdout}\n{up.stderr}\n(down: {down.stdout})")
    yield cluster
    down = cluster_cli(cluster, "down")
    assert down.returncode == 0, down.stdout + down.stderr
    assert not tagged_with(cluster.home), "cluster processes outlived `cluster down`"
    link = subprocess.run(["ip", "link", "show", BRIDGE], capture_output=True, check=False)
    assert link.returncode != 0, f"bridge {BRIDGE} left behind"
    mounts = [m for m in Path("/proc/mounts").read_text().splitlines() if str(cluster.home) in m]
    assert not mounts, mounts
    assert not list(Path("/run/netns").glob("cni-*")), "pod network namespaces left behind"
    rules = subprocess.run(["iptables-save"], capture_output=True, text=True, check=True).stdout
    assert "KUBE-" not in rules and "CNI-" not in rules, "iptables chains left behind"
    sets = subprocess.run(["ipset", "list", "-n"], capture_output=True, text=True).stdout.split()
    assert not [s for s in sets if s.startswith(("KUBE-", "kube-router-"))], sets
    assert not list(Path("/sys/fs/cgroup").glob("*/kubepods")), "cgroups left behind"
    assert {key: Path(key).read_text() for key in SYSCTLS} == sysctls, "kernel settings changed"


class ClusterStack:
    """The product as `cluster up` deployed it, with the clients the e2e tests take from
    `devstack.testing.RunningStack`: backend through `backend_url` (its NodePort Service on
    127.0.0.1), anything else through `kubectl port-forward` (the sidecars listen on their
    pod's loopback only), mail through mailpit's API."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.endpoints = json.loads((cluster.home / "endpoints.json").read_text())
        self._forwards: dict[str, tuple[subprocess.Popen[str], str]] = {}

    def secret(self, name: str) -> str:
        return (repo_root() / "k8s" / "overlays" / "dev" / "secrets" / name).read_text().strip()

    def forward(self, target: str, port: int) -> str:
        """A local URL for `port` of `target` (svc/NAME or pod/NAME), kept for the session."""
        key = f"{target}:{port}"
        if key not in self._forwards or self._forwards[key][0].poll() is not None:
            proc = subprocess.Popen(
                [str(k8s_bin("kubectl")), f"--kubeconfig={self.cluster.kubeconfig}", "-n",
                 NAMESPACE, "port-forward", "--address=127.0.0.1", target, f":{port}"],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert proc.stdout is not None
            line = proc.stdout.readline()  # Forwarding from 127.0.0.1:41235 -> 8000
            found = re.search(r"127\.0\.0\.1:(\d+)", line)
            assert found, (
                f"port-forward {target}: {line}{proc.stderr.read() if proc.stderr else ''}"
            )
            self._forwards[key] = (proc, f"http://127.0.0.1:{found.group(1)}")
        return self._forwards[key][1]

    def pods(self, app_id: str) -> list[dict[str, Any]]:
        out = self.cluster.kubectl("-n", NAMESPACE, "get", "pods", "-l",
                                   f"app.kubernetes.io/name={app_id}", "-o", "json")  # fmt: skip
        return list(json.loads(out.stdout)["items"])

    def terminating(self) -> list[str]:
        out = self.cluster.kubectl("-n", NAMESPACE, "get", "pods", "-o", "json")
        pods = json.loads(out.stdout)["items"]
        return [p["metadata"]["name"] for p in pods if "deletionTimestamp" in p["metadata"]]

    def unsettled(self) -> list[str]:
        """What still moves: a Deployment whose rollout has not finished (Tilt calls an app
        ready once a new pod is, while the old ReplicaSet's pods are still being replaced one
        by one: between two of them no pod is ending), or a pod still ending."""
        out = self.cluster.kubectl("-n", NAMESPACE, "get", "deployments", "-o", "json")
        moving = []
        for d in json.loads(out.stdout)["items"]:
            status, want = d["status"], d["spec"]["replicas"]
            keys = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")
            counts = [status.get(key, 0) for key in keys]
            seen = status.get("observedGeneration", 0) >= d["metadata"]["generation"]
            if not seen or counts != [want] * len(keys):
                moving.append(f"deployment/{d['metadata']['name']} {counts} of {want}")
        return moving + [f"pod/{name} ending" for name in self.terminating()]

    def app(self, app_id: str, *, app_token: bool = False) -> httpx.Client:
        """The app; with `app_token`, as its sidecar (operator-only routes)."""
        headers = {"dapr-api-token": self.secret(f"{app_id}-app-api-token")} if app_token else {}
        if app_id == "backend":
            url = self.endpoints["backend_url"]
        else:
            service = json.loads(self.cluster.kubectl(
                "-n", NAMESPACE, "get", "service", app_id, "-o", "json").stdout)  # fmt: skip
            url = self.forward(f"svc/{app_id}", service["spec"]["ports"][0]["port"])
        return httpx.Client(base_url=url, headers=headers, timeout=15.0)

    def pod_app(self, app_id: str, port: int, *, app_token: bool = False) -> httpx.Client:
        """The app in one of its pods that is running now (a forward to a Service stays on
        the pod it picked, which a rollout ends)."""
        headers = {"dapr-api-token": self.secret(f"{app_id}-app-api-token")} if app_token else {}
        pod = next(
            p for p in self.pods(app_id)
            if p["status"]["phase"] == "Running" and "deletionTimestamp" not in p["metadata"]
        )  # fmt: skip
        url = self.forward(f"pod/{pod['metadata']['name']}", port)
        return httpx.Client(base_url=url, headers=headers, timeout=15.0)

    def sidecar(self, app_id: str, *, token: bool = True) -> httpx.Client:
        """The Dapr HTTP API of one running pod's sidecar."""
        pod = next(p for p in self.pods(app_id) if p["status"]["phase"] == "Running")
        url = self.forward(f"pod/{pod['metadata']['name']}", 3500)
        headers = {"dapr-api-token": self.secret(f"{app_id}-dapr-api-token")} if token else {}
        return httpx.Client(base_url=url, headers=headers, timeout=15.0)

    def mail_to(self, address: str) -> list[email.message.Message]:
        """Every mail mailpit (the cluster's SMTP sink) received for `address`."""
        with httpx.Client(base_url=self.forward("svc/mailpit", 8025), timeout=10.0) as mailpit:
            found = mailpit.get("/api/v1/search", params={"query": f'to:"{address}"'})
            found.raise_for_status()
            return [
                email.message_from_bytes(mailpit.get(f"/api/v1/message/{m['ID']}/raw").content)
                for m in found.json()["messages"]
            ]

    def close(self) -> None:
        for proc, _ in self._forwards.values():
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def cluster_stack(cluster: Cluster) -> Iterator[ClusterStack]:
    stack = ClusterStack(cluster)
    # Settled: every rollout (Tilt's, say) finished and no pod of it still ending.
    deadline = time.monotonic() + 180
    while (moving := stack.unsettled()) and time.monotonic() < deadline:
        time.sleep(1)
    assert not moving, f"the cluster did not settle in 180 s: {moving}"
    yield stack
    stack.close()
