"""The NetworkPolicies of k8s/base and k8s/components/infra are in force (kube-router's firewall):
from inside each app's pod, a TCP connection that a policy lets through is made, one that none
does is not. Everything else the suite proves (journeys, access matrix, rollouts) runs under the
same policies, so what they allow is what the product needs."""

import json
import socket
import subprocess
from typing import Any

import pytest

from devstack.cluster import NAMESPACE, k8s_bin
from tests.cluster.conftest import ClusterStack

# (from app, to pod label app.kubernetes.io/name, port, allowed, the policy that decides)
CASES = [
    ("backend", "postgres", 5432, True, "postgres: backend owns a database"),
    ("notification-service", "postgres", 5432, True, "postgres: so does notification-service"),
    ("ai-service", "postgres", 5432, False, "postgres: ai-service has no database"),
    ("backend", "redis", 6379, True, "redis: the statestore's scopes"),
    ("notification-service", "redis", 6379, False, "redis: not in the statestore's scopes"),
    ("notification-service", "mailpit", 1025, True, "mailpit: the smtp binding's scope"),
    ("backend", "mailpit", 1025, False, "mailpit: only notification-service mails"),
    ("ai-service", "kafka", 9092, True, "apps-to-infra + kafka: every app's sidecar"),
    ("ai-service", "kafka", 9093, False, "kafka: the controller listener is the broker's own"),
    ("backend", "notification-service", 50002, True, "sidecar-to-sidecar: invocation"),
    ("backend", "notification-service", 8001, False, "default-deny: only sidecars reach an app"),
    # backend-api lets anyone in on 8000 (the node's NodePort: every journey), but an app's own
    # egress goes only to sidecars, the infra, Dapr, DNS and the API server
    ("ai-service", "backend", 8000, False, "default-deny egress: apps call apps via sidecars"),
    ("notification-service", "ai-service", 8002, False, "default-deny: not through the sidecar"),
]


def pod_of(cluster_stack: ClusterStack, name: str) -> dict[str, Any]:
    return next(
        p for p in cluster_stack.pods(name)
        if p["status"].get("phase") == "Running" and "deletionTimestamp" not in p["metadata"]
    )  # fmt: skip


def connects(cluster_stack: ClusterStack, source: dict[str, Any], ip: str, port: int) -> bool:
    """A TCP connection from the app container of `source` to ip:port within 3 s."""
    probe = (
        "import socket, sys\n"
        "try:\n"
        f"    socket.create_connection(({ip!r}, {port}), timeout=3).close()\n"
        "except OSError as exc:\n"
        "    sys.exit(repr(exc))\n"
    )
    app = source["metadata"]["labels"]["app.kubernetes.io/name"]
    done = subprocess.run(
        [str(k8s_bin("kubectl")), f"--kubeconfig={cluster_stack.cluster.kubeconfig}", "-n",
         NAMESPACE, "exec", source["metadata"]["name"], "-c", app, "--", "python", "-c", probe],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    return done.returncode == 0


def test_kube_router_enforces_the_policies_of_the_apps_namespace(
    cluster_stack: ClusterStack,
) -> None:
    policies = json.loads(
        cluster_stack.cluster.kubectl("-n", NAMESPACE, "get", "networkpolicy", "-o", "json").stdout
    )["items"]
    names = {p["metadata"]["name"] for p in policies}
    assert {"default-deny", "allow-dns", "sidecar-to-sidecar", "apps-to-infra"} <= names, names
    # kube-router turned each policy into iptables chains of its own
    rules = subprocess.run(["iptables-save"], capture_output=True, text=True, check=True).stdout
    assert rules.count(":KUBE-NWPLCY-") >= len(policies), "a policy without its chain"


@pytest.mark.parametrize(
    ("source", "target", "port", "allowed", "why"),
    CASES,
    ids=[f"{c[0]}->{c[1]}:{c[2]}" for c in CASES],
)
def test_a_connection_passes_exactly_when_a_policy_allows_it(
    cluster_stack: ClusterStack, source: str, target: str, port: int, allowed: bool, why: str
) -> None:
    ip = pod_of(cluster_stack, target)["status"]["podIP"]
    # Something listens there: the node itself may connect (kube-router lets a pod's own node
    # through, for the kubelet's probes), so a refusal below is the policy's, not a closed port.
    socket.create_connection((ip, port), timeout=3).close()
    assert connects(cluster_stack, pod_of(cluster_stack, source), ip, port) is allowed, why
