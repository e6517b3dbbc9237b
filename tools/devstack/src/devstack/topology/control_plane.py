"""Dapr's control plane: sentry (the certificate authority), the scheduler and placement."""

from devstack import probes
from devstack.processes import ProcessSpec
from devstack.stack import Stack
from devstack.versions import dapr_bin

TRUST_DOMAIN = "localhost"  # control-plane trust domain shared by sentry and every daprd
# Sentry puts the etcd peer DNS names in the scheduler's certificate only for this id.
SCHEDULER_ID = "dapr-scheduler-server-0"


def sentry(stack: Stack) -> ProcessSpec:
    home = stack.run_dir / "sentry"
    config = home / "config.yaml"
    p = stack.ports

    def prepare() -> None:
        home.mkdir(parents=True, exist_ok=True)
        config.write_text(_SENTRY_CONFIG)

    healthz = probes.http_status(f"http://127.0.0.1:{p.sentry_healthz}/healthz", 200)
    return ProcessSpec(
        name="sentry",
        argv=[
            str(dapr_bin("sentry")),
            "--issuer-credentials",
            str(home),
            "--trust-domain",
            TRUST_DOMAIN,
            "--config",
            str(config),
            "--port",
            str(p.sentry),
            "--listen-address",
            "127.0.0.1",
            "--healthz-port",
            str(p.sentry_healthz),
            "--healthz-listen-address",
            "127.0.0.1",
            "--metrics-port",
            str(p.sentry_metrics),
            "--metrics-listen-address",
            "127.0.0.1",
        ],
        probe=lambda: healthz() and stack.trust_anchors_file.exists(),
        prepare=prepare,
    )


def _tls(stack: Stack) -> list[str]:
    return [
        "--tls-enabled",
        "--sentry-address",
        f"127.0.0.1:{stack.ports.sentry}",
        "--trust-anchors-file",
        str(stack.trust_anchors_file),
        "--trust-domain",
        TRUST_DOMAIN,
    ]


def scheduler(stack: Stack) -> ProcessSpec:
    home = stack.run_dir / "scheduler"
    p = stack.ports
    return ProcessSpec(
        name="scheduler",
        argv=[
            str(dapr_bin("scheduler")),
            "--id",
            SCHEDULER_ID,
            "--port",
            str(p.scheduler),
            "--listen-address",
            "127.0.0.1",
            "--healthz-port",
            str(p.scheduler_healthz),
            "--healthz-listen-address",
            "127.0.0.1",
            "--metrics-port",
            str(p.scheduler_metrics),
            "--metrics-listen-address",
            "127.0.0.1",
            "--etcd-data-dir",
            str(home / "etcd"),
            "--etcd-initial-cluster",
            f"{SCHEDULER_ID}=http://127.0.0.1:{p.scheduler_etcd_peer}",
            "--etcd-client-port",
            str(p.scheduler_etcd_client),
            "--etcd-client-listen-address",
            "127.0.0.1",
            "--identity-directory-write",
            str(home / "identity"),
            *_tls(stack),
        ],
        probe=probes.http_status(f"http://127.0.0.1:{p.scheduler_healthz}/healthz", 200),
        prepare=lambda: home.mkdir(parents=True, exist_ok=True),
    )


def placement(stack: Stack) -> ProcessSpec:
    p = stack.ports
    return ProcessSpec(
        name="placement",
        argv=[
            str(dapr_bin("placement")),
            "--id",
            "devstack-placement",
            "--initial-cluster",
            f"devstack-placement=127.0.0.1:{p.placement_raft}",
            "--port",
            str(p.placement),
            "--listen-address",
            "127.0.0.1",
            "--healthz-port",
            str(p.placement_healthz),
            "--healthz-listen-address",
            "127.0.0.1",
            "--metrics-port",
            str(p.placement_metrics),
            "--metrics-listen-address",
            "127.0.0.1",
            *_tls(stack),
        ],
        probe=probes.http_status(f"http://127.0.0.1:{p.placement_healthz}/healthz", 200),
    )


# Sentry in standalone mode needs a Configuration file; the defaults are what we want.
_SENTRY_CONFIG = """\
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: sentry
spec:
  mtls:
    enabled: true
    workloadCertTTL: 24h
    allowedClockSkew: 15m
"""
