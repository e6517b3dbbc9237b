"""`tilt ci -- --k8s` against the dev cluster: the three apps built with buildah (custom_build,
no Docker, no Tilt extension fetched), k8s/overlays/local applied, every workload healthy,
the e2e resource (the cluster suite's journeys) green, exit 0. Last in the suite: it replaces
the apps' images with Tilt's builds."""

import json
import os
import re
import subprocess
import time

from devstack.cluster import APP_IMAGES, NAMESPACE, Cluster, k8s_bin
from devstack.ports import free_port
from devstack.versions import repo_root, tilt_bin


def test_tilt_ci_cluster_mode_builds_deploys_and_passes_e2e(cluster: Cluster) -> None:
    env = {
        **os.environ,
        "KUBECONFIG": str(cluster.kubeconfig),
        "PATH": f"{k8s_bin('kubectl').parent}:{os.environ['PATH']}",  # kustomize() runs kubectl
    }
    t0 = time.monotonic()
    result = subprocess.run(
        [str(tilt_bin()), "ci", "--port", str(free_port()), "--", "--k8s"],
        cwd=repo_root(), env=env, capture_output=True, text=True, timeout=1500, check=False,
    )  # fmt: skip
    log = result.stdout + result.stderr
    (cluster.home / "tilt-ci.log").write_text(log)
    assert result.returncode == 0, (
        f"tilt ci failed after {time.monotonic() - t0:.0f}s:\n{log[-6000:]}"
    )
    summary = re.search(r"e2e │ =+ (.*) in [0-9.]+s", log)
    assert summary and re.match(r"\d+ passed", summary.group(1)), log[-3000:]
    assert "failed" not in summary.group(1) and "error" not in summary.group(1)
    assert "SUCCESS. All workloads are healthy." in log, log[-3000:]
    # the Deployments run Tilt's builds now (its own tags in the same registry)
    for app_id, ref in APP_IMAGES.items():
        deployment = json.loads(
            cluster.kubectl("-n", NAMESPACE, "get", "deployment", app_id, "-o", "json").stdout
        )
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image.startswith(ref.rsplit(":", 1)[0] + ":tilt-"), (app_id, image)
