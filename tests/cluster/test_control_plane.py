"""The dev cluster itself: the API server of the pinned release, on etcd, takes the Dapr CRDs of
the pinned Dapr chart and both kustomize overlays (server-side); the node is Ready and runs a
pod from the cluster's registry on the pod network."""

import ipaddress
import json

import yaml

from deploycheck import dev_secrets
from devstack.cluster import K8S_VERSION, NODE, PAUSE_IMAGE, POD_CIDR, Cluster, dapr_module
from devstack.versions import repo_root


def test_the_api_server_is_the_pinned_release(cluster: Cluster) -> None:
    version = json.loads(cluster.kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == K8S_VERSION
    assert version["clientVersion"]["gitVersion"] == K8S_VERSION


def test_dapr_crds_and_both_overlays_apply_server_side(cluster: Cluster) -> None:
    """The CRDs come with the Dapr chart (the pinned module's charts/dapr/crds)."""
    crds = dapr_module() / "charts" / "dapr" / "crds"
    for path in crds.glob("*.yaml"):
        crd = yaml.safe_load(path.read_text())["metadata"]["name"]
        cluster.kubectl("wait", "--for=condition=Established", f"crd/{crd}", "--timeout=60s")
    dev_secrets.ensure()  # the dev overlay's generated Secrets (git-ignored files)
    # a Namespace must exist before objects in it pass a server-side dry run
    cluster.kubectl("apply", "--server-side", "-f", str(repo_root() / "k8s/base/namespace.yaml"))
    for overlay in ("dev", "prod"):
        result = cluster.kubectl(
            "apply", "--server-side", "--dry-run=server", "-k",
            str(repo_root() / "k8s" / "overlays" / overlay), check=False,
        )  # fmt: skip
        assert result.returncode == 0, f"{overlay}: {result.stderr}"
        assert "deployment.apps/backend serverside-applied (server dry run)" in result.stdout
        assert "configuration.dapr.io/notification-service" in result.stdout


def test_the_node_is_ready_and_runs_a_pod_from_the_registry(cluster: Cluster) -> None:
    cluster.kubectl("wait", "--for=condition=Ready", f"node/{NODE}", "--timeout=120s")
    name = "sandbox-probe"
    cluster.kubectl("delete", "pod", name, "--ignore-not-found", "--wait")
    cluster.kubectl("run", name, f"--image={PAUSE_IMAGE}", "--restart=Never")
    try:
        cluster.kubectl("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=120s")
        pod = json.loads(cluster.kubectl("get", "pod", name, "-o", "json").stdout)
        assert ipaddress.ip_address(pod["status"]["podIP"]) in ipaddress.ip_network(POD_CIDR)
        assert pod["spec"]["nodeName"] == NODE
    finally:
        cluster.kubectl("delete", "pod", name, "--wait", "--timeout=60s", check=False)
