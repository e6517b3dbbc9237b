"""The cluster suite: the dev cluster (`make cluster-up`) started once for the session and
stopped at its end; the teardown fails if anything of it outlives `cluster down`."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.cluster import BRIDGE, SYSCTLS, Cluster
from devstack.processes import tagged_with
from devstack.versions import repo_root

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.cluster)


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
    cluster = Cluster(repo_root() / ".devcluster-test")
    cluster_cli(cluster, "down")
    if subprocess.run(["ip", "link", "show", BRIDGE], capture_output=True).returncode == 0:
        pytest.fail(f"another dev cluster holds {BRIDGE} (one per machine): `make cluster-down`")
    sysctls = {key: Path(key).read_text() for key in SYSCTLS}
    up = cluster_cli(cluster, "up")
    if up.returncode != 0:
        pytest.fail(f"cluster up failed:\n{up.stdout}\n{up.stderr}")
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
    assert not list(Path("/sys/fs/cgroup").glob("*/kubepods")), "cgroups left behind"
    assert {key: Path(key).read_text() for key in SYSCTLS} == sysctls, "kernel settings changed"
