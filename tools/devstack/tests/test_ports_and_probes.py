import dataclasses
import socket
import threading
from pathlib import Path

import pytest

from devstack import manifest, probes
from devstack.ports import MAX_REPLICAS, Ports, free_port, replica_count

APP_FIELDS = ("apps", "more_replicas")


def _all_ports(p: Ports) -> list[int]:
    flat = [v for k, v in p.to_dict().items() if k not in APP_FIELDS]
    return flat + [
        port for app_id in p.apps for app in p.replicas_of(app_id) for port in vars(app).values()
    ]


def test_defaults_come_from_manifest() -> None:
    p = Ports()
    assert {k: v for k, v in p.to_dict().items() if k not in APP_FIELDS} == manifest.ports()
    assert {a: dataclasses.asdict(ports) for a, ports in p.apps.items()} == manifest.app_ports()
    assert list(p.apps) == list(manifest.APP_IDS)


@pytest.mark.parametrize("replicas", range(1, MAX_REPLICAS + 1))
def test_every_default_port_is_distinct(replicas: int) -> None:
    p = Ports.from_env(replicas)
    flat = _all_ports(p)
    assert len(flat) == len(set(flat)) == len(manifest.ports()) + 5 * 3 * replicas
    assert p.replicas == replicas and max(flat) < 65536


def test_a_replica_listens_on_the_first_ones_ports_plus_the_stride() -> None:
    p = Ports.from_env(3)
    first, third = p.replicas_of("backend")[0], p.replicas_of("backend")[2]
    stride = manifest.get("replica_port_stride.value")
    assert dataclasses.astuple(third) == tuple(
        port + 2 * stride for port in dataclasses.astuple(first)
    )


@pytest.mark.parametrize("given", ["0", "-1", "9", "two", "1.5"])
def test_a_replica_count_out_of_range_is_refused_with_the_range(given: str) -> None:
    with pytest.raises(ValueError, match=f"from 1 to {MAX_REPLICAS}, not '{given}'"):
        replica_count(given)


def test_no_replica_count_means_one() -> None:
    assert replica_count(None) == replica_count("") == 1 and replica_count("3") == 3


def test_env_overrides_one_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEVSTACK_PORT_KAFKA", "19092")
    monkeypatch.setenv("DEVSTACK_PORT_BACKEND_HTTP", "13500")
    p = Ports.from_env()
    assert p.kafka == 19092 and p.apps["backend"].http == 13500 and p.redis == 6379


@pytest.mark.parametrize("replicas", [1, 3])
def test_free_ports_are_distinct_and_round_trip(replicas: int) -> None:
    p = Ports.free(replicas)
    flat = _all_ports(p)
    assert len(flat) == len(set(flat)) == len(manifest.ports()) + 5 * 3 * replicas
    assert Ports.from_dict(p.to_dict()) == p and p.replicas == replicas


def _one_shot_server(reply: bytes) -> int:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        conn.recv(1024)
        conn.sendall(reply)
        conn.close()
        server.close()

    threading.Thread(target=serve, daemon=True).start()
    return int(server.getsockname()[1])


def test_redis_probe_needs_ok_and_pong() -> None:
    assert probes.redis_ping(_one_shot_server(b"+OK\r\n+PONG\r\n"), "pw")() is True
    assert probes.redis_ping(_one_shot_server(b"-WRONGPASS\r\n-NOAUTH\r\n"), "pw")() is False


def test_kafka_probe_needs_a_matching_api_versions_answer() -> None:
    ok = (10).to_bytes(4, "big") + (7).to_bytes(4, "big") + (0).to_bytes(2, "big") + b"\0" * 4
    assert probes.kafka_api_versions(_one_shot_server(ok))() is True
    err = (10).to_bytes(4, "big") + (7).to_bytes(4, "big") + (35).to_bytes(2, "big") + b"\0" * 4
    assert probes.kafka_api_versions(_one_shot_server(err))() is False


def test_probes_on_a_closed_port_say_not_ready() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert probes.kafka_api_versions(port)() is False
    assert probes.redis_ping(port, "x")() is False
    assert probes.http_status(f"http://127.0.0.1:{port}/", 200)() is False


def test_free_ports_stay_out_of_the_ephemeral_range() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert all(p < low for p in ports) and len(set(ports)) == 50


def test_free_ports_never_meet_the_dev_cluster() -> None:
    """A test stack's sidecar once took the cluster's controller-manager port (20257) while the
    cluster suite started; nor may it pick a NodePort, which kube-proxy redirects on loopback."""
    from devstack import ports
    from devstack.cluster import BACKEND_NODEPORT, PORTS

    picked = range(ports._PICK_FROM, ports._PICK_TO)
    assert not [p for p in [*PORTS.values(), BACKEND_NODEPORT] if p in picked]
    assert ports._PICK_TO <= 30000  # --service-node-port-range defaults to 30000-32767


def test_the_local_overlay_lets_the_sidecars_reach_the_dev_clusters_api_server() -> None:
    """The NetworkPolicy sees the API server's own port (the `kubernetes` Service's 443 is
    translated before it): k8s/overlays/local adds the one the dev cluster listens on."""
    from devstack.cluster import PORTS
    from devstack.versions import repo_root

    overlay = (repo_root() / "k8s" / "overlays" / "local" / "kustomization.yaml").read_text()
    assert f"value: {{protocol: TCP, port: {PORTS['apiserver']}}}" in overlay


def test_the_local_overlay_names_the_images_cluster_up_builds() -> None:
    """Its `images:` carry the pinned versions (manifest.json) as tags; cluster-up then pins
    each by digest."""
    import yaml

    from devstack.cluster import INFRA_IMAGES
    from devstack.versions import repo_root

    overlay = yaml.safe_load(
        (repo_root() / "k8s" / "overlays" / "local" / "kustomization.yaml").read_text()
    )
    named = {f"{i['newName']}:{i['newTag']}" for i in overlay["images"]}
    assert set(INFRA_IMAGES.values()) <= named
