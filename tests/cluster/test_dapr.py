"""Dapr on the dev cluster, from the Helm chart of the pinned module with mTLS on: the control
plane runs from images of the same source build as the local daprd, and the injector gives an
annotated pod a sidecar that gets its identity from the cluster's sentry."""

import json

from devstack.cluster import DAPR_IMAGES, REGISTRY, Cluster
from devstack.versions import DAPR_VERSION

CONTROL_PLANE = ("dapr-operator", "dapr-sidecar-injector", "dapr-sentry", "dapr-placement-server",
                 "dapr-scheduler-server")  # fmt: skip


def test_the_control_plane_runs_from_our_images(cluster: Cluster) -> None:
    pods = json.loads(cluster.kubectl("-n", "dapr-system", "get", "pods", "-o", "json").stdout)
    running = {}
    for pod in pods["items"]:
        ready = all(c["ready"] for c in pod["status"].get("containerStatuses", []))
        running[pod["metadata"]["name"]] = (ready, pod["spec"]["containers"][0]["image"])
    for part in CONTROL_PLANE:
        mine = {n: v for n, v in running.items() if n.startswith(part)}
        assert mine and all(ready for ready, _ in mine.values()), (part, running)
        for _, image in mine.values():
            assert image.startswith(f"{REGISTRY}/") and image.endswith(f":{DAPR_VERSION}")
            assert image.removeprefix(f"{REGISTRY}/").split(":")[0] in DAPR_IMAGES
    # the scheduler keeps jobs on volumes of its own (3 replicas, each claim bound)
    claims = json.loads(cluster.kubectl("-n", "dapr-system", "get", "pvc", "-o", "json").stdout)
    assert sorted(c["status"]["phase"] for c in claims["items"]) == ["Bound"] * 3


def test_the_injector_adds_a_sidecar_that_gets_an_mtls_identity(cluster: Cluster) -> None:
    name = "injector-probe"
    manifest = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {
                    "labels": {"app": name},
                    "annotations": {"dapr.io/enabled": "true", "dapr.io/app-id": name},
                },
                "spec": {"containers": [{"name": "app", "image": f"{REGISTRY}/pause:devcluster"}]},
            },
        },
    }
    cluster.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    try:
        cluster.kubectl("rollout", "status", f"deployment/{name}", "--timeout=180s")
        pods = json.loads(cluster.kubectl("get", "pods", "-l", f"app={name}", "-o", "json").stdout)
        (pod,) = pods["items"]
        containers = {c["name"]: c for c in pod["spec"]["containers"]}
        assert set(containers) == {"app", "daprd"}
        assert containers["daprd"]["image"] == f"{REGISTRY}/daprd:{DAPR_VERSION}"
        log = cluster.kubectl("logs", pod["metadata"]["name"], "-c", "daprd").stdout
        # logged once the sidecar holds a workload certificate from the cluster's sentry
        assert "Security is initialized successfully" in log, log[-2000:]
    finally:
        cluster.kubectl("delete", "deployment", name, "--wait", "--timeout=60s", check=False)
