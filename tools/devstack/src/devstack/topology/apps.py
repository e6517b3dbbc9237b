"""The product's apps, each a uvicorn process with its daprd; and daprd for a test's own apps."""

import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import yaml

from devstack import probes
from devstack.dev_secrets import secrets_file
from devstack.ports import AppPorts
from devstack.processes import ProcessSpec, StartError
from devstack.stack import APP_IDS, APP_MODULES, PG_USER, Stack, replica_name
from devstack.topology.control_plane import TRUST_DOMAIN
from devstack.versions import dapr_bin

APP_DATABASES = {"backend": "todo", "notification-service": "notifications"}
MIGRATIONS = {
    "backend": "backend.db.migrate",
    "notification-service": "notification_service.db.migrate",
}


def processes(app_id: str, replicas: int = 1) -> list[tuple[str, Callable[[Stack], ProcessSpec]]]:
    """The app's processes by name, each with its builder: per replica, the app, then its
    sidecar. Every replica's sidecar has the same app-id, so name resolution, the Kafka
    consumer group and the scheduler spread the app's work over them."""
    out: list[tuple[str, Callable[[Stack], ProcessSpec]]] = []
    for index in range(replicas):
        name = replica_name(app_id, index)
        out.append((name, partial(app, app_id=app_id, replica=index)))
        out.append((f"daprd-{name}", partial(sidecar, app_id=app_id, replica=index)))
    return out


def app(stack: Stack, app_id: str, replica: int = 0) -> ProcessSpec:
    """One replica of the app's server (uvicorn); its schema is migrated before each start."""
    ap = stack.ports.replicas_of(app_id)[replica]
    package = _package_dir(stack, APP_MODULES[app_id].split(".")[0])
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        APP_MODULES[app_id],
        "--host",
        "127.0.0.1",
        "--port",
        str(ap.app),
        "--no-access-log",
    ]
    if stack.reload:
        argv += ["--reload", "--reload-dir", str(package), "--reload-dir", str(stack.root / "libs")]
    return ProcessSpec(
        name=replica_name(app_id, replica),
        argv=argv,
        env=_app_env(stack, app_id, ap),
        prepare=_migrate(stack, app_id),
        cwd=stack.root,
        probe=probes.http_status(f"http://127.0.0.1:{ap.app}/healthz", 200),
        watch=(package, *sorted((stack.root / "libs").glob("*/src"))),
    )


def _app_env(stack: Stack, app_id: str, ap: AppPorts) -> dict[str, str]:
    return {
        "APP_ID": app_id,
        "DAPR_HTTP_PORT": str(ap.http),
        "DAPR_GRPC_PORT": str(ap.grpc),
        "DAPR_API_TOKEN": stack.tokens.dapr_api[app_id],
        "APP_API_TOKEN": stack.tokens.app_api[app_id],
        "PYTHONUNBUFFERED": "1",
        "POSTGRES_HOST": "127.0.0.1",
        "POSTGRES_PORT": str(stack.ports.postgres),
        "POSTGRES_USER": PG_USER,
        "POSTGRES_DB": APP_DATABASES.get(app_id, "postgres"),
    }


def _migrate(stack: Stack, app_id: str) -> Callable[[], None] | None:
    """The app's schema migrations, run before each start (a no-op when current)."""
    if app_id not in MIGRATIONS:
        return None

    def migrate() -> None:
        env = {**os.environ, "DATABASE_URL": stack.database_url(APP_DATABASES[app_id])}
        result = subprocess.run(
            [sys.executable, "-m", MIGRATIONS[app_id], "upgrade"],
            env=env,
            cwd=stack.root,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            log = stack.table.logs / f"{app_id}.log"
            log.parent.mkdir(parents=True, exist_ok=True)
            with log.open("a") as out:
                out.write(f"--- migrations failed:\n{result.stdout}{result.stderr}")
            raise StartError(app_id, "schema migration failed", log)

    return migrate


def _package_dir(stack: Stack, package: str) -> Path:
    for src in (stack.root / "services").glob(f"*/src/{package}"):
        return src
    raise RuntimeError(f"no service package {package}")


def _config(stack: Stack, app_id: str) -> tuple[Path, Callable[[], None] | None]:
    """The app's Configuration, and how to write it if it is to be generated: an app of no
    product (a test's) gets a deny-all one."""
    own = stack.root / "components" / "config" / f"{app_id}.yaml"
    if own.exists():
        return own, None
    generated = stack.run_dir / "config" / f"{app_id}.yaml"

    def write() -> None:
        generated.parent.mkdir(parents=True, exist_ok=True)
        generated.write_text(_EXTRA_APP_CONFIG.format(app_id=app_id))

    return generated, write


def _resources(stack: Stack, app_id: str) -> tuple[Path, Callable[[], None] | None]:
    """The components an app's sidecar loads, and how to write them if they are a copy. The
    product's apps load `components/` as it is; an app of no product (a test's observer or
    probe) gets a copy of it with its app-id added to every component's scopes, so the scopes
    stay exact for the product."""
    components = stack.root / "components"
    if app_id in APP_IDS:
        return components, None
    own = stack.run_dir / "resources" / app_id

    def write() -> None:
        own.mkdir(parents=True, exist_ok=True)
        for source in components.glob("*.yaml"):
            docs = [d for d in yaml.safe_load_all(source.read_text()) if d and "kind" in d]
            if not docs:
                continue
            for doc in docs:
                if doc.get("kind") == "Component" and "scopes" in doc:
                    doc["scopes"] = [*doc["scopes"], app_id]
            (own / source.name).write_text(yaml.safe_dump_all(docs, sort_keys=False))

    return own, write


def sidecar(
    stack: Stack,
    app_id: str,
    replica: int = 0,
    *,
    app_port: int | None = None,
    http_port: int | None = None,
    grpc_port: int | None = None,
    internal_grpc_port: int | None = None,
    metrics_port: int | None = None,
    config: Path | None = None,
    resources: Path | None = None,
    dapr_api_token: str | None = None,
    app_api_token: str | None = None,
    mtls: bool = True,
    control_plane: bool = True,
    name: str | None = None,
    timeout: float = 60.0,
) -> ProcessSpec:
    """daprd for a replica of `app_id`; the keywords let tests run extra sidecars beside the
    stack."""
    ap = stack.ports.replicas_of(app_id)[replica] if app_id in stack.ports.apps else None
    http = http_port or (ap.http if ap else None)
    assert http is not None, "extra sidecars need explicit ports"
    # Given paths are the caller's; the generated ones are written at start (`prepare`).
    config, write_config = (config, None) if config else _config(stack, app_id)
    resources, write_resources = (resources, None) if resources else _resources(stack, app_id)
    argv = [
        str(dapr_bin("daprd")),
        "--app-id",
        app_id,
        "--mode",
        "standalone",
        "--app-protocol",
        "http",
        "--app-channel-address",
        "127.0.0.1",
        "--dapr-listen-addresses",
        "127.0.0.1",
        "--dapr-http-port",
        str(http),
        "--dapr-grpc-port",
        str(grpc_port or (ap.grpc if ap else 0)),
        "--dapr-internal-grpc-port",
        str(internal_grpc_port or (ap.internal_grpc if ap else 0)),
        "--dapr-internal-grpc-listen-address",
        "127.0.0.1",
        "--metrics-port",
        str(metrics_port or (ap.metrics if ap else 0)),
        "--metrics-listen-address",
        "127.0.0.1",
        "--resources-path",
        str(resources),
        "--config",
        str(config),
        "--control-plane-trust-domain",
        TRUST_DOMAIN,
        "--dapr-graceful-shutdown-seconds",
        "3",
        "--log-level",
        "info",
    ]
    port = app_port or (ap.app if ap else None)
    if port:
        argv += ["--app-port", str(port)]
    if ap is not None:
        # A product app's health gates its subscriptions: while it is down, its sidecar
        # stops taking messages instead of failing them toward the dead-letter topic.
        # 15 failed probes 2 s apart (30 s; k8s: 6 x 5 s): a restart is carried by the
        # inbound retry (about 80 s, components/resiliency.yaml) without flipping the
        # health, because a flip while a delivery is being retried can leave the Kafka
        # consumer stalled (dapr/components-contrib#4349, seen here in the chaos suite: at
        # 10 s, a restart under a heavy build's load took 11 s, flipped, and stalled).
        argv += [
            "--enable-app-health-check",
            "--app-health-check-path",
            "/healthz",
            "--app-health-probe-interval",
            "2",
            "--app-health-threshold",
            "15",
        ]
    if control_plane:
        argv += [
            "--scheduler-host-address",
            f"127.0.0.1:{stack.ports.scheduler}",
            "--placement-host-address",
            f"127.0.0.1:{stack.ports.placement}",
        ]
    if mtls:
        argv += ["--enable-mtls", "--sentry-address", f"127.0.0.1:{stack.ports.sentry}"]

    def env() -> dict[str, str]:
        values = {
            "DAPR_HOST_IP": "127.0.0.1",
            "NAMESPACE": "default",
            "DAPR_API_TOKEN": dapr_api_token or stack.tokens.dapr_api[app_id],
            "APP_API_TOKEN": app_api_token or stack.tokens.app_api[app_id],
            "DEVSTACK_SECRETS_FILE": str(secrets_file()),
            "DEVSTACK_REDIS_ADDR": f"127.0.0.1:{stack.ports.redis}",
            "DEVSTACK_KAFKA_BROKERS": f"127.0.0.1:{stack.ports.kafka}",
            "DEVSTACK_NAMERES_DB": str(stack.nameres_db),
            "DEVSTACK_SMTP_HOST": "127.0.0.1",
            "DEVSTACK_SMTP_PORT": str(stack.ports.smtp),
            "DEVSTACK_SMTP_USER": "todo",
        }
        if mtls:
            values["DAPR_TRUST_ANCHORS"] = stack.trust_anchors_file.read_text()
        return values

    def prepare() -> None:
        stack.nameres_db.parent.mkdir(parents=True, exist_ok=True)
        for write in (write_config, write_resources):
            if write is not None:
                write()

    healthz = probes.http_status(f"http://127.0.0.1:{http}/v1.0/healthz", 204)
    reachable = _reachable_probes(stack, app_id, ap) if ap else []
    return ProcessSpec(
        name=name or f"daprd-{replica_name(app_id, replica)}",
        argv=argv,
        env=env,
        cwd=stack.run_dir,
        probe=probes.all_of(healthz, *reachable) if reachable else healthz,
        prepare=prepare,
        timeout=timeout,
        watch=(stack.root / "components",),  # read once at start
    )


def _reachable_probes(stack: Stack, callee: str, ap: AppPorts) -> list[probes.Probe]:
    """Ready means reachable: the callee's app answers `GET /healthz` invoked through the
    sidecar of each app the access matrix lets call it (name resolution, mTLS, policy and
    app token all on the path), and this replica's sidecar is registered in name resolution
    (with several replicas, an invocation may reach another one). An app nobody calls needs
    none of this. Each invocation is tried only once both ends are up, so start-up failures
    do not trip the caller's circuit breaker."""
    out: list[probes.Probe] = []
    for caller in APP_IDS:
        if caller == callee or not stack.access_matrix.allowed(caller, callee, "GET", "/healthz"):
            continue
        caller_http = f"http://127.0.0.1:{stack.ports.apps[caller].http}"
        app_url = f"http://127.0.0.1:{ap.app}"
        out.append(
            probes.all_of(
                probes.http_status(f"{caller_http}/v1.0/healthz", 204),
                probes.http_status(f"{app_url}/healthz", 200),
                probes.http_status(
                    f"{caller_http}/v1.0/invoke/{callee}/method/healthz",
                    200,
                    {"dapr-api-token": stack.tokens.dapr_api[caller]},
                ),
            )
        )
    if not out:
        return []  # nobody calls this app: its sidecar's own health is its readiness
    registered = probes.sqlite_row(
        stack.nameres_db,
        "SELECT 1 FROM hosts WHERE app_id = ? AND address = ?",
        (callee, f"127.0.0.1:{ap.internal_grpc}"),
    )
    return [registered, *out]


# For sidecars of apps that are not part of the product (tests' own): same name resolution as
# the stack (components/config/*.yaml explains the figures; a test keeps them equal), and
# nobody may invoke them.
_EXTRA_APP_CONFIG = """\
apiVersion: dapr.io/v1alpha1
kind: Configuration
metadata:
  name: {app_id}
spec:
  mtls:
    enabled: true
  nameResolution:
    component: sqlite
    configuration:
      connectionString: "${{DEVSTACK_NAMERES_DB}}"
      updateInterval: "30s"
      timeout: "20s"
      busyTimeout: "5s"
      cleanupInterval: "0"
  accessControl:
    defaultAction: deny
    trustDomain: public
"""
