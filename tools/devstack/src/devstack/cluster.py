"""`make cluster-up|cluster-down|cluster-status`: a single-node Kubernetes of the project's own.

Upstream components built from their Go modules (tools/cluster/build.sh), run as processes of
this machine beside the local stack, with the launcher's own process handling: etcd,
kube-apiserver, kube-controller-manager, kube-scheduler, containerd (Debian) with runc, the
kubelet and kube-proxy, and kube-router's firewall, which enforces the NetworkPolicies. Pods live
on a bridge of the cluster's own (`todo-cni0`, 10.244.0.0/24, no masquerade), Services on
10.245.0.0/24; the API server listens on the bridge's address.
Configuration templates are tools/cluster/config/*; state lives in `.devcluster/` (git-ignored),
images and build outputs in the cache.
"""

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from devstack import manifest, probes
from devstack.processes import (
    ProcessSpec,
    ProcessTable,
    Running,
    StartError,
    kill_tagged,
    start,
    wait_ready,
)
from devstack.stack import APP_IDS
from devstack.versions import (
    DAPR_VERSION,
    KAFKA_VERSION,
    cache_dir,
    dapr_bin,
    kafka_libs,
    repo_root,
)

# The dev cluster's parts, as tools/cluster/build.sh builds them (manifest.json).
K8S_VERSION = manifest.version("kubernetes")
ETCD_VERSION = manifest.version("etcd")
COREDNS_VERSION = manifest.version("coredns")
HELM_VERSION = manifest.version("helm")
MAILPIT_VERSION = manifest.version("mailpit")
KUBE_ROUTER_VERSION = manifest.version("kube_router")
NODE = "devcluster"
BRIDGE = "todo-cni0"
NODE_IP = "10.244.0.1"
POD_CIDR = "10.244.0.0/24"
SERVICE_CIDR = "10.245.0.0/24"
DNS_IP = "10.245.0.10"
REGISTRY = "127.0.0.1:15000"
PAUSE_IMAGE = f"{REGISTRY}/pause:devcluster"
COREDNS_IMAGE = f"{REGISTRY}/coredns:{COREDNS_VERSION}"
DAPR_IMAGES = ("operator", "injector", "sentry", "placement", "scheduler", "daprd")
# Build-time bases, in buildah's store only (tools/cluster/images/README.md).
DEBIAN_BASE = "localhost/dapr-todo/debian:bookworm"
DEBIAN_MIRROR = "http://deb.debian.org/debian"
PYTHON_BASE = "localhost/dapr-todo/python:3.11-bookworm"
# What k8s/overlays/local names (its `images:`), by the image's directory or app-id.
INFRA_IMAGES = {
    "postgres": f"{REGISTRY}/postgres:15-bookworm",
    "redis": f"{REGISTRY}/redis:7-bookworm",
    "kafka": f"{REGISTRY}/kafka:{KAFKA_VERSION}",
    "mailpit": f"{REGISTRY}/mailpit:{MAILPIT_VERSION}",
}
APP_IMAGES = {app: f"{REGISTRY}/todo/{app}:devcluster" for app in APP_IDS}
NAMESPACE = "todo-app"
BACKEND_NODEPORT = 30800  # k8s/overlays/local/backend-nodeport.yaml
# Static hostPath volumes for the StatefulSets' claims (no provisioner): namespace, claim,
# size, the uid that writes it (hostPath volumes get no fsGroup ownership).
VOLUMES = [
    *(("dapr-system", f"dapr-scheduler-data-dir-dapr-scheduler-server-{i}", "16Gi", 65532)
      for i in range(3)),  # the chart's scheduler replicas
    (NAMESPACE, "data-postgres-0", "5Gi", 70),
    (NAMESPACE, "data-redis-0", "1Gi", 999),
    (NAMESPACE, "data-kafka-0", "5Gi", 1000),
]  # fmt: skip
# Kernel settings the cluster needs (forwarding between pods and Services; kube-proxy sets
# route_localnet so NodePorts answer on 127.0.0.1); cluster-down puts the old values back.
ROUTE_LOCALNET = "/proc/sys/net/ipv4/conf/all/route_localnet"
IP_FORWARD = "/proc/sys/net/ipv4/ip_forward"
SYSCTLS = (ROUTE_LOCALNET, IP_FORWARD)
# Away from the local stack's ports, from Kubernetes' defaults (a developer's own cluster) and
# from devstack.ports.free_port's range (20000-29999, where the test suite's stacks listen).
PORTS = {
    "etcd": 12379,
    "etcd_peer": 12380,
    "apiserver": 16443,
    "controller_manager": 16257,
    "scheduler": 16259,
    "kubelet": 16250,
    "kubelet_healthz": 16248,
    "proxy_healthz": 16256,
    "proxy_metrics": 16249,
    "kube_router_healthz": 16244,
    "registry": 15000,
}
# Client identities, each a certificate signed by the cluster CA: (file name, CN, O).
CLIENTS = [
    ("admin", "devcluster-admin", "system:masters"),
    ("controller-manager", "system:kube-controller-manager", ""),
    ("scheduler", "system:kube-scheduler", ""),
    ("kubelet", f"system:node:{NODE}", "system:nodes"),
    ("proxy", "system:kube-proxy", ""),
    ("kube-router", "system:kube-router", ""),  # its ClusterRole: config/kube-router.yaml
    ("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters"),
]

Reporter = Callable[[str], None]


def k8s_bin(name: str) -> Path:
    return cache_dir() / "cluster" / f"kubernetes-{K8S_VERSION}" / name


def etcd_bin() -> Path:
    return cache_dir() / "cluster" / f"etcd-{ETCD_VERSION}" / "etcd"


def coredns_bin() -> Path:
    return cache_dir() / "cluster" / f"coredns-{COREDNS_VERSION}" / "coredns"


def helm_bin() -> Path:
    return cache_dir() / "cluster" / f"helm-{HELM_VERSION}" / "helm"


def dapr_module() -> Path:
    """The pinned Dapr module in Go's module cache (its Helm chart, its CRDs)."""
    info = subprocess.run(
        ["go", "mod", "download", "-json", f"github.com/dapr/dapr@v{DAPR_VERSION}"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return Path(json.loads(info.stdout)["Dir"])


def mailpit_bin() -> Path:
    return cache_dir() / "cluster" / f"mailpit-{MAILPIT_VERSION}" / "mailpit"


def kube_router_bin() -> Path:
    return cache_dir() / "cluster" / f"kube-router-{KUBE_ROUTER_VERSION}" / "kube-router"


def push_image(ref: str, binary: Path, user: str) -> None:
    """`binary` as `/<its name>`, the entrypoint, run as `user`, with the machine's CA
    certificates, in an image built from scratch; pushed as `ref` unless the registry has it."""
    name, tag = ref.removeprefix(f"{REGISTRY}/").split(":")
    if probes.http_status(f"http://{REGISTRY}/v2/{name}/manifests/{tag}", 200)():
        return
    b = buildah()
    ctr = sh(*b, "from", "scratch").stdout.strip()
    try:
        sh(*b, "copy", ctr, str(binary), f"/{binary.name}")
        sh(*b, "copy", ctr, "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs/")
        sh(*b, "config", "--entrypoint", json.dumps([f"/{binary.name}"]), "--user", user, ctr)
        sh(*b, "commit", "--quiet", ctr, ref)
    finally:
        sh(*b, "rm", ctr, check=False)
    sh(*b, "push", "--tls-verify=false", ref, f"docker://{ref}")


def has_image(ref: str) -> bool:
    return sh(*buildah(), "inspect", "--type", "image", ref, check=False).returncode == 0


def build_image(ref: str, containerfile: Path, context: Path, **args: str) -> None:
    """`buildah build` of one Containerfile/Dockerfile (cached layers; RUN with the machine's
    network, for apt and PyPI)."""
    sh(*buildah(), "build", "--layers", "--format=docker", "--isolation=chroot", "--network=host",
       "-f", str(containerfile), *(f"--build-arg={k}={v}" for k, v in args.items()),
       "-t", ref, str(context))  # fmt: skip


def push(ref: str) -> str:
    """Push `ref` to the cluster's registry; its digest."""
    with tempfile.NamedTemporaryFile("r") as digest:
        sh(*buildah(), "push", "--tls-verify=false", f"--digestfile={digest.name}", ref,
           f"docker://{ref}")  # fmt: skip
        return digest.read().strip()


def buildah() -> list[str]:
    """buildah with its image store in the cache (layers survive clones and cluster-down)."""
    root = cache_dir() / "cluster" / "buildah"
    return ["buildah", "--root", str(root / "storage"), "--runroot", "/run/dapr-todo-buildah"]


def render(template: str, values: dict[str, object]) -> str:
    """Fill `{name}` placeholders (JSON and YAML braces around anything else stay)."""

    def one(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise KeyError(f"no value for {{{m.group(1)}}}")
        return str(values[m.group(1)])

    return re.sub(r"\{([a-z_]+)\}", one, template)


def sh(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=check)


@dataclass
class Cluster:
    """The dev cluster whose state lives in `home` (default `.devcluster/`)."""

    home: Path

    @classmethod
    def default(cls) -> "Cluster":
        return cls(Path(os.environ.get("DEVCLUSTER_DIR") or repo_root() / ".devcluster"))

    def __post_init__(self) -> None:
        self.home = self.home.resolve()
        self.table = ProcessTable(self.home)
        self.pki = self.home / "pki"
        self.kubeconfig = self.home / "kubeconfig"
        self.containerd_socket = Path("/run/dapr-todo-cluster/containerd.sock")

    # ---- files --------------------------------------------------------------------------
    def _values(self) -> dict[str, object]:
        return {
            **{f"{k}_port": v for k, v in PORTS.items()},
            "node_ip": NODE_IP,
            "pod_cidr": POD_CIDR,
            "service_cidr": SERVICE_CIDR,
            "dns_ip": DNS_IP,
            "bridge": BRIDGE,
            "ca_crt": self.pki / "ca.crt",
            "kubelet_crt": self.pki / "kubelet-serving.crt",
            "kubelet_key": self.pki / "kubelet-serving.key",
            "kubeconfig": self.home / "proxy.kubeconfig",
            "resolv_conf": self.home / "resolv.conf",
            "containerd_root": cache_dir() / "cluster" / "containerd",
            "containerd_state": self.containerd_socket.parent / "state",
            "containerd_socket": self.containerd_socket,
            "cni_conf_dir": self.home / "cni",
            "cni_state": self.home / "cni-state",
            "pause_image": PAUSE_IMAGE,
            "coredns_image": COREDNS_IMAGE,
            "registry": REGISTRY,
            "dapr_version": DAPR_VERSION,
            "registry_root": cache_dir() / "cluster" / "registry",
            "pod_logs": self.home / "pod-logs",
        }

    def _write_config(self, name: str, target: Path | None = None) -> None:
        """tools/cluster/config/<name>, filled in, to `target` (default: `home/<name>`)."""
        source = repo_root() / "tools" / "cluster" / "config" / name
        target = target or self.home / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(source.read_text(), self._values()))

    def _certificates(self) -> None:
        """One CA; a serving certificate each for the API server and the kubelet; a client
        certificate (and kubeconfig) per identity in CLIENTS; the service-account key."""
        pki = self.pki
        if (pki / "ca.crt").exists():
            self._client_certificates()  # those added since this cluster was made
            return
        pki.mkdir(parents=True, exist_ok=True)
        pki.chmod(0o700)
        sh("openssl", "genrsa", "-out", str(pki / "ca.key"), "2048")
        sh(
            "openssl", "req", "-x509", "-new", "-key", str(pki / "ca.key"), "-days", "3650",
            "-subj", "/CN=devcluster-ca", "-out", str(pki / "ca.crt"),
        )  # fmt: skip
        service_ip = SERVICE_CIDR.rsplit(".", 1)[0] + ".1"
        sans = {
            "apiserver": f"DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,"
            f"DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:{NODE_IP},IP:{service_ip}",
            "kubelet-serving": f"DNS:{NODE},IP:{NODE_IP},IP:127.0.0.1",
        }
        for name, san in sans.items():
            self._sign(name, f"/CN={name}", f"subjectAltName={san}", "serverAuth")
        self._client_certificates()
        sh("openssl", "genrsa", "-out", str(pki / "sa.key"), "2048")
        sh("openssl", "rsa", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))
        shutil.copy(self.home / "admin.kubeconfig", self.kubeconfig)

    def _client_certificates(self) -> None:
        for name, cn, org in CLIENTS:
            if not (self.pki / f"{name}.crt").exists():
                self._sign(name, f"/CN={cn}" + (f"/O={org}" if org else ""), None, "clientAuth")
                self._kubeconfig(self.home / f"{name}.kubeconfig", name)

    def _sign(self, name: str, subject: str, san: str | None, usage: str) -> None:
        key, crt, pki = self.pki / f"{name}.key", self.pki / f"{name}.crt", self.pki
        sh("openssl", "genrsa", "-out", str(key), "2048")
        extensions = pki / f"{name}.ext"
        extensions.write_text(
            f"keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage={usage}\n"
            + (f"{san}\n" if san else "")
        )
        csr = sh("openssl", "req", "-new", "-key", str(key), "-subj", subject).stdout
        subprocess.run(
            [
                "openssl", "x509", "-req", "-CA", str(pki / "ca.crt"), "-CAkey",
                str(pki / "ca.key"), "-CAcreateserial", "-days", "365", "-out", str(crt),
                "-extfile", str(extensions),
            ],
            input=csr, capture_output=True, text=True, check=True,
        )  # fmt: skip
        extensions.unlink()

    def _kubeconfig(self, path: Path, identity: str) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": NODE,
                    "cluster": {
                        "server": f"https://{NODE_IP}:{PORTS['apiserver']}",
                        "certificate-authority": str(self.pki / "ca.crt"),
                    },
                }
            ],
            "users": [
                {
                    "name": identity,
                    "user": {
                        "client-certificate": str(self.pki / f"{identity}.crt"),
                        "client-key": str(self.pki / f"{identity}.key"),
                    },
                }
            ],
            "contexts": [{"name": NODE, "context": {"cluster": NODE, "user": identity}}],
            "current-context": NODE,
        }
        path.write_text(json.dumps(config, indent=2))
        path.chmod(0o600)

    # ---- network ------------------------------------------------------------------------
    def _network(self) -> None:
        """The bridge pods attach to, holding the node's address; no route leaves it."""
        if sh("ip", "link", "show", BRIDGE, check=False).returncode != 0:
            sh("ip", "link", "add", BRIDGE, "type", "bridge")
        addrs = sh("ip", "-o", "addr", "show", "dev", BRIDGE).stdout
        if f"{NODE_IP}/" not in addrs:
            sh("ip", "addr", "add", f"{NODE_IP}/24", "dev", BRIDGE)
        sh("ip", "link", "set", BRIDGE, "up")
        self._save_sysctls()
        Path(IP_FORWARD).write_text("1")
        sh("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=1", check=False)
        (self.home / "resolv.conf").write_text(
            "nameserver " + DNS_IP + "\nsearch cluster.local\noptions ndots:5\n"
        )

    # ---- processes ----------------------------------------------------------------------
    def specs(self) -> list[ProcessSpec]:
        """The control plane, in start order (each needs only those before it)."""
        pki, home, p = self.pki, self.home, PORTS
        api = f"https://{NODE_IP}:{p['apiserver']}"
        ready = probes.http_status

        def healthz(port: int, path: str = "/healthz") -> probes.Probe:
            return _https_ok(f"https://127.0.0.1:{port}{path}")

        return [
            ProcessSpec(
                name="etcd",
                argv=[
                    str(etcd_bin()),
                    "--name",
                    NODE,
                    "--data-dir",
                    str(home / "etcd"),
                    "--listen-client-urls",
                    f"http://127.0.0.1:{p['etcd']}",
                    "--advertise-client-urls",
                    f"http://127.0.0.1:{p['etcd']}",
                    "--listen-peer-urls",
                    f"http://127.0.0.1:{p['etcd_peer']}",
                    "--initial-advertise-peer-urls",
                    f"http://127.0.0.1:{p['etcd_peer']}",
                    "--initial-cluster",
                    f"{NODE}=http://127.0.0.1:{p['etcd_peer']}",
                    "--listen-metrics-urls",
                    "",
                    "--quota-backend-bytes",
                    str(2 << 30),
                    # A throwaway single-member cluster on a shared 2-core machine: with an
                    # fsync per write and the default 7 s request timeout, a busy disk made
                    # `kubectl apply` fail with "etcdserver: request timed out" (CI of
                    # 2026-12-03, a Go build running beside the suite). No fsync (the data
                    # dies with the cluster anyway) and a 13 s timeout (5 s + 2 x election).
                    "--unsafe-no-fsync",
                    "--heartbeat-interval",
                    "400",
                    "--election-timeout",
                    "4000",
                ],
                probe=ready(f"http://127.0.0.1:{p['etcd']}/health", 200),
            ),
            ProcessSpec(
                name="kube-apiserver",
                argv=[
                    str(k8s_bin("kube-apiserver")),
                    f"--etcd-servers=http://127.0.0.1:{p['etcd']}",
                    f"--bind-address={NODE_IP}",
                    f"--advertise-address={NODE_IP}",
                    f"--secure-port={p['apiserver']}",
                    f"--service-cluster-ip-range={SERVICE_CIDR}",
                    "--service-node-port-range=30000-32767",
                    f"--tls-cert-file={pki / 'apiserver.crt'}",
                    f"--tls-private-key-file={pki / 'apiserver.key'}",
                    f"--client-ca-file={pki / 'ca.crt'}",
                    f"--kubelet-certificate-authority={pki / 'ca.crt'}",
                    f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
                    f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
                    "--kubelet-preferred-address-types=InternalIP",
                    "--authorization-mode=Node,RBAC",
                    "--enable-admission-plugins=NodeRestriction",
                    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                    f"--service-account-key-file={pki / 'sa.pub'}",
                    f"--service-account-signing-key-file={pki / 'sa.key'}",
                    "--allow-privileged=true",
                    "--profiling=false",
                ],
                probe=_https_ok(f"{api}/readyz", self.pki),
                timeout=180,
            ),
            ProcessSpec(
                name="kube-controller-manager",
                argv=[
                    str(k8s_bin("kube-controller-manager")),
                    f"--kubeconfig={home / 'controller-manager.kubeconfig'}",
                    f"--authentication-kubeconfig={home / 'controller-manager.kubeconfig'}",
                    f"--authorization-kubeconfig={home / 'controller-manager.kubeconfig'}",
                    "--bind-address=127.0.0.1",
                    f"--secure-port={p['controller_manager']}",
                    f"--service-account-private-key-file={pki / 'sa.key'}",
                    f"--root-ca-file={pki / 'ca.crt'}",
                    f"--cluster-signing-cert-file={pki / 'ca.crt'}",
                    f"--cluster-signing-key-file={pki / 'ca.key'}",
                    f"--service-cluster-ip-range={SERVICE_CIDR}",
                    # the node's pod CIDR is set in its kubelet config, not allocated
                    "--controllers=*,-nodeipam",
                    "--use-service-account-credentials=true",
                    "--leader-elect=false",
                ],
                probe=healthz(p["controller_manager"]),
            ),
            ProcessSpec(
                name="kube-scheduler",
                argv=[
                    str(k8s_bin("kube-scheduler")),
                    f"--kubeconfig={home / 'scheduler.kubeconfig'}",
                    f"--authentication-kubeconfig={home / 'scheduler.kubeconfig'}",
                    f"--authorization-kubeconfig={home / 'scheduler.kubeconfig'}",
                    "--bind-address=127.0.0.1",
                    f"--secure-port={p['scheduler']}",
                    "--leader-elect=false",
                ],
                probe=healthz(p["scheduler"]),
            ),
            ProcessSpec(
                name="registry",
                argv=["docker-registry", "serve", str(home / "registry.yml")],
                prepare=lambda: self._write_config("registry.yml"),
                probe=ready(f"http://{REGISTRY}/v2/", 200),
            ),
            ProcessSpec(
                name="containerd",
                argv=["containerd", "--config", str(home / "containerd.toml")],
                prepare=self._prepare_containerd,
                probe=_cri_ready(self.containerd_socket),
            ),
            ProcessSpec(
                name="kubelet",
                argv=[
                    str(k8s_bin("kubelet")),
                    f"--config={home / 'kubelet.yaml'}",
                    f"--kubeconfig={home / 'kubelet.kubeconfig'}",
                    f"--root-dir={home / 'kubelet'}",
                    f"--hostname-override={NODE}",
                    f"--node-ip={NODE_IP}",
                ],
                prepare=lambda: self._write_config("kubelet.yaml"),
                probe=ready(f"http://127.0.0.1:{p['kubelet_healthz']}/healthz", 200),
            ),
            ProcessSpec(
                name="kube-proxy",
                argv=[
                    str(k8s_bin("kube-proxy")),
                    f"--config={home / 'kube-proxy.yaml'}",
                    f"--hostname-override={NODE}",
                ],
                prepare=lambda: self._write_config("kube-proxy.yaml"),
                probe=ready(f"http://127.0.0.1:{p['proxy_healthz']}/healthz", 200),
            ),
            # The NetworkPolicy enforcer (iptables and ipsets), nothing else of kube-router:
            # the bridge CNI routes, kube-proxy serves the Services.
            ProcessSpec(
                name="kube-router",
                argv=[
                    str(kube_router_bin()),
                    "--run-firewall=true",
                    "--run-router=false",
                    "--run-service-proxy=false",
                    f"--kubeconfig={home / 'kube-router.kubeconfig'}",
                    f"--hostname-override={NODE}",
                    f"--service-cluster-ip-range={SERVICE_CIDR}",
                    "--service-node-port-range=30000-32767",
                    f"--health-port={p['kube_router_healthz']}",
                    "--metrics-port=0",
                ],
                prepare=self._kube_router_rbac,
                probe=ready(f"http://127.0.0.1:{p['kube_router_healthz']}/healthz", 200),
            ),
        ]

    def _kube_router_rbac(self) -> None:
        self.kubectl("apply", "--server-side", "-f", str(self._manifest("kube-router.yaml")))

    def ctr(self, *args: str) -> list[str]:
        return ["ctr", "--address", str(self.containerd_socket), "-n", "k8s.io", *args]

    def _save_sysctls(self) -> None:
        saved = self.home / "sysctls.json"
        if not saved.exists():
            saved.write_text(json.dumps({k: Path(k).read_text() for k in SYSCTLS}))

    def _restore_sysctls(self) -> None:
        saved = self.home / "sysctls.json"
        if saved.exists():
            for key, value in json.loads(saved.read_text()).items():
                Path(key).write_text(value)
            saved.unlink()

    def _prepare_containerd(self) -> None:
        self.containerd_socket.parent.mkdir(parents=True, exist_ok=True)
        self._write_config("containerd.toml")
        self._write_config("cni.conflist", self.home / "cni" / "10-dapr-todo.conflist")

    def _images(self) -> None:
        """The images the cluster itself runs, each one static binary (plus CA certificates)
        in an otherwise empty image, built with buildah and pushed to the cluster's registry:
        the pod sandbox, CoreDNS, and Dapr's control plane and sidecar (the same source build
        as the local daprd, under the names the Dapr chart expects)."""
        pause = cache_dir() / "cluster" / "pause" / "pause"
        if not pause.exists():
            pause.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                ["go", "build", "-trimpath", "-ldflags", "-s -w", "-o", str(pause), "main.go"],
                cwd=repo_root() / "tools" / "cluster" / "pause",
                env={**os.environ, "CGO_ENABLED": "0", "GOTOOLCHAIN": "local"},
                check=True, capture_output=True,
            )  # fmt: skip
        push_image(PAUSE_IMAGE, pause, "65535")
        push_image(COREDNS_IMAGE, coredns_bin(), "65532")
        for name in DAPR_IMAGES:
            push_image(f"{REGISTRY}/{name}:{DAPR_VERSION}", dapr_bin(name), "65532")

    def _debian(self) -> None:
        """Debian bookworm (debootstrap minbase, this machine's apt sources and local CAs): the
        root of the images built from Containerfiles, since no registry serves one here."""
        if has_image(DEBIAN_BASE):
            return
        rootfs = self.home / "debian-rootfs"
        shutil.rmtree(rootfs, ignore_errors=True)
        sh("debootstrap", "--variant=minbase", "bookworm", str(rootfs), DEBIAN_MIRROR)
        (rootfs / "etc" / "apt" / "sources.list").unlink(missing_ok=True)
        for sources in Path("/etc/apt/sources.list.d").glob("*.sources"):
            shutil.copy(sources, rootfs / "etc" / "apt" / "sources.list.d")
        # The machine's own CAs (a TLS-inspecting proxy's, say): `ca-certificates` in an image
        # adds them to its bundle, so builds reach PyPI as the machine does.
        local_cas = rootfs / "usr" / "local" / "share" / "ca-certificates"
        local_cas.mkdir(parents=True, exist_ok=True)
        for ca in Path("/usr/local/share/ca-certificates").glob("*.crt"):
            shutil.copy(ca, local_cas)
        for leftover in ("dev", "var/cache/apt/archives", "var/lib/apt/lists"):
            for entry in (rootfs / leftover).glob("*"):
                if entry.is_file() or entry.is_symlink() or not entry.is_dir():
                    entry.unlink()
        b = buildah()
        ctr = sh(*b, "from", "scratch").stdout.strip()
        try:
            sh(*b, "copy", ctr, str(rootfs), "/")
            sh(*b, "config", "--cmd", "bash", "--env", "LANG=C.UTF-8", ctr)
            sh(*b, "commit", "--quiet", ctr, DEBIAN_BASE)
        finally:
            sh(*b, "rm", ctr, check=False)
            shutil.rmtree(rootfs, ignore_errors=True)

    def _infra_images(self) -> dict[str, str]:
        """PostgreSQL, Redis and Kafka from tools/cluster/images/<name>/Containerfile, mailpit
        from its Go build; pushed. Their digests by reference."""
        images = repo_root() / "tools" / "cluster" / "images"
        self._debian()
        for name in ("postgres", "redis"):
            build_image(INFRA_IMAGES[name], images / name / "Containerfile", images / name,
                        BASE=DEBIAN_BASE)  # fmt: skip
        context = self.home / "build" / "kafka"  # the directory plus the broker's jars
        shutil.rmtree(context, ignore_errors=True)
        shutil.copytree(images / "kafka", context)
        shutil.copytree(kafka_libs(), context / "libs", copy_function=os.link)
        build_image(INFRA_IMAGES["kafka"], context / "Containerfile", context, BASE=DEBIAN_BASE)
        shutil.rmtree(context)
        push_image(INFRA_IMAGES["mailpit"], mailpit_bin(), "1000")
        return {ref: push(ref) for ref in INFRA_IMAGES.values()}

    def _app_images(self) -> dict[str, str]:
        return {ref: self.app_image(app, ref) for app, ref in APP_IMAGES.items()}

    def app_image(self, app_id: str, ref: str) -> str:
        """services/<app>/Dockerfile built as a user builds it, with the two bases given as
        build arguments (Debian's Python; the uv the workspace runs), pushed as `ref`; its
        digest. Tilt's cluster mode builds with this too (`python -m devstack.cluster image`)."""
        images = repo_root() / "tools" / "cluster" / "images"
        self._debian()
        if not has_image(PYTHON_BASE):
            build_image(PYTHON_BASE, images / "python" / "Containerfile", images / "python",
                        BASE=DEBIAN_BASE)  # fmt: skip
        uv = Path(os.environ.get("UV") or shutil.which("uv") or "uv")
        uv_image = f"localhost/dapr-todo/uv:{sh(str(uv), '--version').stdout.split()[1]}"
        if not has_image(uv_image):
            b = buildah()
            ctr = sh(*b, "from", "scratch").stdout.strip()
            try:
                sh(*b, "copy", ctr, str(uv.resolve()), "/uv")
                sh(*b, "commit", "--quiet", ctr, uv_image)
            finally:
                sh(*b, "rm", ctr, check=False)
        build_image(ref, repo_root() / "services" / app_id / "Dockerfile", repo_root(),
                    PYTHON_IMAGE=PYTHON_BASE, UV_IMAGE=uv_image)  # fmt: skip
        return push(ref)

    def _volumes(self) -> None:
        """A hostPath PersistentVolume under home/volumes/ bound to each claim of VOLUMES."""
        volumes = []
        for namespace, claim, size, uid in VOLUMES:
            path = self.home / "volumes" / f"{namespace}-{claim}"
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, uid, uid)
            volumes.append({
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": f"devcluster-{namespace}-{claim}"},
                "spec": {
                    "capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "hostPath": {"path": str(path), "type": "Directory"},
                    "claimRef": {"namespace": namespace, "name": claim},
                },
            })  # fmt: skip
        manifest = self.home / "manifests" / "volumes.json"
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": volumes}))
        self.kubectl("apply", "--server-side", "-f", str(manifest))

    def _deploy(self, digests: dict[str, str]) -> None:
        """k8s/overlays/local with every image pinned by digest (a new build is a new pod
        template, so `apply` rolls it out), applied server-side; then every Deployment and
        StatefulSet of the namespace rolled out."""
        from deploycheck import dev_secrets

        dev_secrets.ensure()
        overlay = self.home / "overlay"
        overlay.mkdir(parents=True, exist_ok=True)
        pinned = [{"name": ref.rsplit(":", 1)[0], "digest": digest}
                  for ref, digest in digests.items()]  # fmt: skip
        local = os.path.relpath(repo_root() / "k8s" / "overlays" / "local", overlay)
        (overlay / "kustomization.yaml").write_text(json.dumps({
            "apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
            "resources": [local], "images": pinned,
        }, indent=2))  # fmt: skip
        self.kubectl("apply", "--server-side", "--force-conflicts", "-k", str(overlay))
        self._scaled_to_minimum(NAMESPACE)
        self._rollouts(NAMESPACE, "statefulset", "deployment")

    def _scaled_to_minimum(self, namespace: str, timeout: float = 120) -> None:
        """An autoscaled Deployment has no count of its own (its HPA owns the scale): wait
        until each HPA has raised its target to at least its minimum (the controller does so
        without metrics, every 15 s)."""
        deadline = time.monotonic() + timeout
        hpas = json.loads(self.kubectl("-n", namespace, "get", "hpa", "-o", "json").stdout)
        for hpa in hpas["items"]:
            ref = hpa["spec"]["scaleTargetRef"]
            target = f"{ref['kind'].lower()}/{ref['name']}"
            minimum = int(hpa["spec"].get("minReplicas", 1))
            while True:
                scale = self.kubectl(
                    "-n", namespace, "get", target, "-o", "jsonpath={.spec.replicas}"
                )
                if int(scale.stdout or 0) >= minimum:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{target}: its HPA did not scale it to {minimum} in {timeout:g} s"
                    )
                time.sleep(1)

    def _manifest(self, name: str) -> Path:
        target = self.home / "manifests" / name
        self._write_config(name, target)
        return target

    def _addons(self, report: Reporter) -> None:
        """Cluster DNS, the Dapr scheduler's volumes, Dapr from the chart of the pinned module:
        applied, and waited for only as far as the apps' pods need it when they are created
        (the injector, and sentry and the operator it hands each sidecar to); the rest comes up
        while the images build and the product rolls out (`_settled`)."""
        self.kubectl("wait", "--for=condition=Ready", f"node/{NODE}", "--timeout=120s")
        self.kubectl("apply", "--server-side", "-f", str(self._manifest("coredns.yaml")))
        self._step(f"Dapr {DAPR_VERSION} (Helm chart, mTLS)", self._dapr, report)

    def _settled(self) -> None:
        """Everything else of the cluster rolled out: CoreDNS, Dapr's placement and scheduler."""
        self._rollouts("kube-system", "deployment")
        self._rollouts("dapr-system", "deployment", "statefulset")

    def _rollouts(self, namespace: str, *kinds: str, timeout: str = "600s") -> None:
        for kind in kinds:
            names = self.kubectl("-n", namespace, "get", kind, "-o", "name").stdout.split()
            for name in names:
                self.kubectl("-n", namespace, "rollout", "status", name, f"--timeout={timeout}")

    def _dapr(self) -> None:
        self._volumes()
        chart = self.home / "charts" / "dapr"
        shutil.rmtree(chart, ignore_errors=True)  # the module cache is read-only: a copy
        shutil.copytree(dapr_module() / "charts" / "dapr", chart)
        subprocess.run(
            [
                str(helm_bin()), f"--kubeconfig={self.kubeconfig}", "upgrade", "--install",
                "dapr", str(chart), "--namespace", "dapr-system", "--create-namespace",
                "--values", str(self._manifest("dapr-values.yaml")),
            ],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        for name in ("dapr-sentry", "dapr-operator", "dapr-sidecar-injector"):
            self.kubectl("-n", "dapr-system", "rollout", "status", f"deployment/{name}",
                         "--timeout=600s")  # fmt: skip

    # ---- lifecycle ----------------------------------------------------------------------
    def up(self, report: Reporter = print) -> None:
        missing = [
            str(b)
            for b in (etcd_bin(), k8s_bin("kube-apiserver"), kube_router_bin())
            if not b.exists()
        ]
        if missing:
            raise StartError("cluster", f"not built: {missing}; run `make bootstrap`", self.home)
        self.home.mkdir(parents=True, exist_ok=True)
        t0 = time.monotonic()
        self._step("certificates and kubeconfigs", self._certificates, report)
        self._step(f"bridge {BRIDGE} ({NODE_IP}, pods {POD_CIDR})", self._network, report)
        for spec in self.specs():
            existing = self.table.load(spec.name)
            if existing is not None and existing.alive():
                report(f"  up     {spec.name:<28} (pid {existing.pid})")
                continue
            running = start(spec, self.table)
            report(f"  ready  {spec.name:<28} {wait_ready(spec, running):5.1f}s")
            if spec.name == "registry":
                self._step("images (buildah)", self._images, report)
        self._addons(report)
        digests: dict[str, str] = {}
        self._step("infra images (buildah)", lambda: digests.update(self._infra_images()), report)
        self._step("app images (buildah)", lambda: digests.update(self._app_images()), report)
        self._step("k8s/overlays/local rolled out", lambda: self._deploy(digests), report)
        self._step("CoreDNS, Dapr placement and scheduler", self._settled, report)
        self._write_endpoints()
        report(f"cluster ready in {time.monotonic() - t0:.1f}s; KUBECONFIG={self.kubeconfig}")

    def _step(self, what: str, action: Callable[[], None], report: Reporter) -> None:
        t = time.monotonic()
        action()
        report(f"  done   {what:<28} {time.monotonic() - t:5.1f}s")

    def _write_endpoints(self) -> None:
        endpoints = {
            "kubeconfig": str(self.kubeconfig),
            "apiserver": f"https://{NODE_IP}:{PORTS['apiserver']}",
            "node_ip": NODE_IP,
            "pod_cidr": POD_CIDR,
            "service_cidr": SERVICE_CIDR,
            "namespace": NAMESPACE,
            "backend_url": f"http://127.0.0.1:{BACKEND_NODEPORT}",
        }
        (self.home / "endpoints.json").write_text(json.dumps(endpoints, indent=2) + "\n")

    def down(self, report: Reporter = print) -> None:
        """Stop every process, last started first, and undo what they left on the machine:
        pod containers and shims, mounts, pod network namespaces, iptables chains, cgroups,
        the bridge, route_localnet."""
        specs = {spec.name: spec for spec in self.specs()}
        for name in ["kube-router", "kube-proxy", "kubelet"]:
            self._stop(name, report)
        if self._alive("containerd"):
            self._remove_pods(report)
        for name in reversed(list(specs)):
            self._stop(name, report)
        for pid in kill_tagged(self.home):  # containerd's shims carry the cluster's tag
            report(f"  killed pid {pid} (shim or orphan)")
        self._unmount(report)
        for netns in sorted(Path("/run/netns").glob("cni-*")):
            sh("ip", "netns", "del", netns.name, check=False)
        self._drop_iptables_chains(report)
        self._destroy_ipsets(report)
        self._remove_cgroups()
        if sh("ip", "link", "show", BRIDGE, check=False).returncode == 0:
            sh("ip", "link", "del", BRIDGE)
            report(f"  removed bridge {BRIDGE}")
        self._restore_sysctls()
        shutil.rmtree(self.home / "cni-state", ignore_errors=True)
        (self.home / "endpoints.json").unlink(missing_ok=True)

    def _alive(self, name: str) -> bool:
        running = self.table.load(name)
        return running is not None and running.alive()

    def _stop(self, name: str, report: Reporter) -> None:
        if self.table.stop(name):
            report(f"  stopped {name}")

    def _remove_pods(self, report: Reporter) -> None:
        """Kill every container task and delete every container containerd knows (the CRI
        sandboxes included), so no pod process outlives the cluster."""
        tasks = sh(*self.ctr("tasks", "ls", "-q"), check=False).stdout.split()
        for task in tasks:
            sh(*self.ctr("tasks", "kill", "-s", "SIGKILL", task), check=False)
        deadline = time.monotonic() + 15
        while tasks and time.monotonic() < deadline:
            for task in tasks:
                sh(*self.ctr("tasks", "delete", task), check=False)
            tasks = sh(*self.ctr("tasks", "ls", "-q"), check=False).stdout.split()
            time.sleep(0.2)
        containers = sh(*self.ctr("containers", "ls", "-q"), check=False).stdout.split()
        for container in containers:
            sh(*self.ctr("containers", "delete", container), check=False)
        if containers:
            report(f"  removed {len(containers)} containers")

    def _unmount(self, report: Reporter) -> None:
        roots = (str(self.home), str(self.containerd_socket.parent), str(cache_dir() / "cluster"))
        mounts = [
            line.split()[1].replace("\\040", " ")
            for line in Path("/proc/mounts").read_text().splitlines()
        ]
        ours = sorted({m for m in mounts if m.startswith(roots)}, key=len, reverse=True)
        for mount in ours:
            if sh("umount", mount, check=False).returncode != 0:
                sh("umount", "-l", mount, check=False)
        if ours:
            report(f"  unmounted {len(ours)} mounts")

    def _drop_iptables_chains(self, report: Reporter) -> None:
        """Every KUBE-* and CNI-* chain, and every rule that jumps to one (iptables-save,
        filtered, restored: the machine's other rules stay as they are)."""
        for save, restore in (("iptables-save", "iptables-restore"),
                              ("ip6tables-save", "ip6tables-restore")):  # fmt: skip
            dump = sh(save, check=False).stdout
            kept = [line for line in dump.splitlines() if not re.search(r"\b(KUBE|CNI)-", line)]
            if len(kept) != len(dump.splitlines()):
                subprocess.run([restore], input="\n".join(kept) + "\n", text=True, check=True)
                report(f"  dropped the cluster's {save.split('-')[0]} chains")

    def _destroy_ipsets(self, report: Reporter) -> None:
        """kube-router's ipsets (KUBE-*, kube-router-*), once no rule refers to them."""
        if shutil.which("ipset") is None:
            return
        names = sh("ipset", "list", "-n", check=False).stdout.split()
        ours = [n for n in names if n.startswith(("KUBE-", "kube-router-", "inet6:KUBE-"))]
        for name in ours:
            sh("ipset", "destroy", name, check=False)
        if ours:
            report(f"  destroyed {len(ours)} ipsets")

    def _remove_cgroups(self) -> None:
        """The kubepods hierarchy the kubelet made in each cgroup v1 controller (and v2)."""
        cgroups = Path("/sys/fs/cgroup")
        for top in [*cgroups.glob("*/kubepods"), *cgroups.glob("kubepods")]:
            for directory in sorted(top.glob("**/"), key=lambda d: len(d.parts), reverse=True):
                with contextlib.suppress(OSError):
                    directory.rmdir()

    def status(self) -> Iterator[tuple[str, str, bool]]:
        for spec in self.specs():
            running: Running | None = self.table.load(spec.name)
            alive = running is not None and running.alive()
            yield spec.name, str(running.pid) if running and alive else "-", alive and spec.probe()

    def kubectl(
        self, *args: str, check: bool = True, input: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(k8s_bin("kubectl")), f"--kubeconfig={self.kubeconfig}", *args],
            input=input, capture_output=True, text=True, check=check,
        )  # fmt: skip


def _cri_ready(socket: Path) -> probes.Probe:
    """containerd's CRI answers `RuntimeService/Version` (the kubelet asks once and exits if
    not: "server is not initialized yet" while containerd recovers its state)."""

    def probe() -> bool:
        import grpc  # type: ignore[import-untyped]

        with grpc.insecure_channel(f"unix://{socket}") as channel:
            version = channel.unary_unary(
                "/runtime.v1.RuntimeService/Version",
                request_serializer=lambda raw: raw,
                response_deserializer=lambda raw: raw,
            )
            try:
                version(b"", timeout=2)  # an empty VersionRequest
            except grpc.RpcError:
                return False
        return True

    return probe


def _https_ok(url: str, pki: Path | None = None) -> probes.Probe:
    """GET `url` over TLS answers 200: with the admin client certificate when `pki` is given
    (the API server's /readyz), else unauthenticated and unverified (components' /healthz)."""

    def probe() -> bool:
        import httpx

        try:
            if pki is None:
                answer = httpx.get(url, verify=False, timeout=2.0)
            else:
                import ssl

                context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
                context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
                answer = httpx.get(url, verify=context, timeout=2.0)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    return probe


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m devstack.cluster", description=__doc__)
    parser.add_argument("command", choices=("up", "down", "status", "image"))
    parser.add_argument("app_id", nargs="?", choices=APP_IDS, help="image: the app to build")
    parser.add_argument("ref", nargs="?", help="image: where to push it (Tilt's $EXPECTED_REF)")
    args = parser.parse_args(argv)
    cluster = Cluster.default()
    if args.command == "image":
        if not (args.app_id and args.ref):
            parser.error("image needs APP_ID and REF")
        try:
            print(f"{args.ref}@{cluster.app_image(args.app_id, args.ref)}")
        except subprocess.CalledProcessError as exc:
            print(f"{' '.join(exc.cmd[:4])} ... failed:\n{exc.stdout}{exc.stderr}", file=sys.stderr)
            return 1
    elif args.command == "up":
        try:
            cluster.up()
        except StartError as exc:
            print(f"{exc}\n(log: {exc.log}); `make cluster-down` stops it", file=sys.stderr)
            return 1
        except subprocess.CalledProcessError as exc:
            print(f"{' '.join(exc.cmd[:4])} ... failed:\n{exc.stdout}{exc.stderr}", file=sys.stderr)
            return 1
    elif args.command == "down":
        cluster.down()
    else:
        rows = list(cluster.status())
        for name, pid, healthy in rows:
            print(f"  {name:<28} {pid:>8}  {'healthy' if healthy else 'DOWN'}")
        if all(healthy for *_, healthy in rows):
            print(cluster.kubectl("get", "nodes,pods", "-A", "-o", "wide", check=False).stdout)
        return 0 if all(h for *_, h in rows) else 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
