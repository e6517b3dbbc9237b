"""The local topology: which processes, in which order, with which flags; up, down, status."""

import base64
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import yaml

from devstack import probes
from devstack.access_matrix import AccessMatrix
from devstack.dev_secrets import ensure_dev_secrets, secrets_file
from devstack.manifest import APP_IDS as APP_IDS  # the product's apps: manifest.json
from devstack.manifest import APP_MODULES as APP_MODULES
from devstack.ports import Ports
from devstack.processes import (
    ProcessSpec,
    ProcessTable,
    Running,
    StartError,
    kill_tagged,
    start,
    stop,
    wait_ready,
)
from devstack.versions import dapr_bin, kafka_libs, repo_root

TRUST_DOMAIN = "localhost"  # control-plane trust domain shared by sentry and every daprd
PG_USER = "todo"
DATABASES = ("todo", "notifications")
APP_DATABASES = {"backend": "todo", "notification-service": "notifications"}
MIGRATIONS = {
    "backend": "backend.db.migrate",
    "notification-service": "notification_service.db.migrate",
}
# Sentry puts the etcd peer DNS names in the scheduler's certificate only for this id.
SCHEDULER_ID = "dapr-scheduler-server-0"

Reporter = Callable[[str], None]


def default_run_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_RUN_DIR") or repo_root() / ".devstack")


def postgres_bindir() -> Path:
    """The newest PostgreSQL server installed from Debian's packages."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    if not candidates:
        raise RuntimeError("PostgreSQL server not found: run `make bootstrap`")
    return candidates[-1].parent


@dataclass
class Tokens:
    """Per-app Dapr API token (app → sidecar) and app API token (sidecar → app)."""

    dapr_api: dict[str, str]
    app_api: dict[str, str]

    @classmethod
    def generate(cls, app_ids: tuple[str, ...] = APP_IDS) -> "Tokens":
        return cls(
            dapr_api={a: secrets.token_urlsafe(24) for a in app_ids},
            app_api={a: secrets.token_urlsafe(24) for a in app_ids},
        )


class Stack:
    """One copy of the topology, living in one run directory."""

    def __init__(self, run_dir: Path, ports: Ports, tokens: Tokens, *, reload: bool = False):
        self.run_dir = run_dir.resolve()
        self.ports = ports
        self.tokens = tokens
        self.reload = reload
        self.root = repo_root()
        self.table = ProcessTable(self.run_dir)
        self.secrets = ensure_dev_secrets()

    # ---- persistence -------------------------------------------------------------------
    @classmethod
    def create(cls, run_dir: Path, ports: Ports | None = None, *, reload: bool = False) -> "Stack":
        return cls(run_dir, ports or Ports.from_env(), Tokens.generate(), reload=reload)

    @classmethod
    def load(cls, run_dir: Path) -> "Stack":
        """The stack a previous `up` started in `run_dir`."""
        state = json.loads((run_dir / "stack.json").read_text())
        return cls(
            run_dir,
            Ports.from_dict(state["ports"]),
            Tokens(state["tokens"]["dapr_api"], state["tokens"]["app_api"]),
        )

    def _save_state(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "ports": self.ports.to_dict(),
            "tokens": {"dapr_api": self.tokens.dapr_api, "app_api": self.tokens.app_api},
        }
        path = self.run_dir / "stack.json"
        path.write_text(json.dumps(state, indent=2))
        path.chmod(0o600)

    # ---- paths -------------------------------------------------------------------------
    @property
    def trust_anchors_file(self) -> Path:
        return self.run_dir / "sentry" / "ca.crt"

    @property
    def nameres_db(self) -> Path:
        """The sidecars' shared name-resolution database: one per run directory, so stacks never
        resolve each other's sidecars; on tmpfs where there is one, so a renewal never waits
        behind a busy disk's fsync."""
        shm = Path("/dev/shm")
        if not shm.is_dir():
            return self.run_dir / "nameresolution.db"
        digest = hashlib.sha256(str(self.run_dir).encode()).hexdigest()[:12]
        return shm / f"devstack-{digest}" / "nameresolution.db"

    def postgres_home(self) -> Path:
        """`<run dir>/postgres`. PostgreSQL runs as its own user when we are root, so every
        directory above its data must be traversable by others; where one is not (a private
        checkout), the data lives under /tmp and `<run dir>/postgres` links to it."""
        home = self.run_dir / "postgres"
        if os.geteuid() != 0 or home.exists():
            return home.resolve()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if _traversable_by_others(self.run_dir.parent):
            self.run_dir.chmod(self.run_dir.stat().st_mode | 0o011)
            home.mkdir()
            return home
        digest = hashlib.sha256(str(self.run_dir).encode()).hexdigest()[:12]
        elsewhere = Path(tempfile.gettempdir()) / f"devstack-postgres-{digest}"
        shutil.rmtree(elsewhere, ignore_errors=True)  # left by an earlier run dir of this path
        elsewhere.mkdir(mode=0o755)
        home.symlink_to(elsewhere)
        return elsewhere

    # ---- the topology ------------------------------------------------------------------
    def waves(self) -> list[list[ProcessSpec]]:
        """Processes grouped so each group needs only what earlier groups provide."""
        return [
            [self._postgres(), self._redis(), self._kafka(), self._sentry(), self._smtp()],
            [self._scheduler(), self._placement()],
            # An app and its sidecar start together: the app waits on the sidecar's outbound
            # health (to read its secrets) while the sidecar waits for the app's port.
            [spec for a in APP_IDS for spec in (self.app_spec(a), self.sidecar_spec(a))],
        ]

    def _postgres(self) -> ProcessSpec:
        bindir = postgres_bindir()
        data = self.postgres_home() / "data"
        password = self.secrets["postgres-password"]
        user = "postgres" if os.geteuid() == 0 else None

        def prepare() -> None:
            if (data / "PG_VERSION").exists():
                return
            data.mkdir(parents=True, exist_ok=True)
            pwfile = data.parent / "pwfile"
            pwfile.write_text(password + "\n")
            if user:
                shutil.chown(data.parent, user, user)
                shutil.chown(data, user, user)
                shutil.chown(pwfile, user, user)
            data.chmod(0o700)
            subprocess.run(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    PG_USER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                user=user,
                group=user,
                extra_groups=[] if user else None,
            )
            pwfile.unlink()

        def create_databases() -> None:
            env = {"PGPASSWORD": password}
            base = [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.ports.postgres),
                "-U",
                PG_USER,
                "-d",
                "postgres",
                "-tAc",
            ]
            existing = subprocess.run(
                [*base, "SELECT datname FROM pg_database"],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            for db in DATABASES:
                if db not in existing:
                    subprocess.run(
                        [*base, f'CREATE DATABASE "{db}"'], env=env, check=True, capture_output=True
                    )

        return ProcessSpec(
            name="postgres",
            argv=[
                str(bindir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(self.ports.postgres),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
            ],
            probe=probes.postgres_query(Path("psql"), self.ports.postgres, PG_USER, password),
            user=user,
            prepare=prepare,
            after_ready=create_databases,
        )

    def _redis(self) -> ProcessSpec:
        data = self.run_dir / "redis"
        password = self.secrets["redis-password"]
        conf = data / "redis.conf"

        def prepare() -> None:
            data.mkdir(parents=True, exist_ok=True)
            # The password goes in a file, not argv, so `ps` does not show it.
            conf.write_text(
                f"port {self.ports.redis}\nbind 127.0.0.1\nprotected-mode yes\n"
                f'requirepass {password}\ndir {data}\nappendonly yes\nsave ""\n'
                "daemonize no\n"
            )
            conf.chmod(0o600)

        return ProcessSpec(
            name="redis",
            argv=[shutil.which("redis-server") or "redis-server", str(conf)],
            probe=probes.redis_ping(self.ports.redis, password),
            prepare=prepare,
        )

    @property
    def maildir(self) -> Path:
        """Where the SMTP sink keeps every mail it receives (a Maildir: `mailbox.Maildir`)."""
        return self.run_dir / "smtp" / "maildir"

    def _smtp(self) -> ProcessSpec:
        """An SMTP sink (aiosmtpd) standing in for the mail relay: it accepts every mail and
        files it in `maildir`, where developers and tests read what the app sent."""

        def prepare() -> None:
            self.maildir.parent.mkdir(parents=True, exist_ok=True)

        return ProcessSpec(
            name="smtp",
            argv=[
                sys.executable,
                "-m",
                "aiosmtpd",
                "--nosetuid",
                "--listen",
                f"127.0.0.1:{self.ports.smtp}",
                "--class",
                "aiosmtpd.handlers.Mailbox",
                str(self.maildir),
            ],
            probe=probes.smtp_banner(self.ports.smtp),
            prepare=prepare,
        )

    def _kafka(self) -> ProcessSpec:
        home = self.run_dir / "kafka"
        data = home / "data"
        props = home / "server.properties"
        log4j = home / "log4j2.properties"
        p = self.ports
        classpath = f"{kafka_libs()}/*"

        def prepare() -> None:
            home.mkdir(parents=True, exist_ok=True)
            props.write_text(_kafka_properties(p.kafka, p.kafka_controller, data))
            log4j.write_text(_KAFKA_LOG4J)
            if (data / "meta.properties").exists():
                return
            cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
            subprocess.run(
                [
                    "java",
                    "-cp",
                    classpath,
                    "kafka.tools.StorageTool",
                    "format",
                    "--standalone",
                    # One id in 64 starts with "-": as a separate argument it would read as a flag.
                    f"--cluster-id={cluster_id}",
                    "-c",
                    str(props),
                ],
                check=True,
                capture_output=True,
            )

        return ProcessSpec(
            name="kafka",
            argv=[
                "java",
                "-Xms256m",
                "-Xmx512m",
                "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=20",
                "-Djava.awt.headless=true",
                f"-Dlog4j2.configurationFile={log4j}",
                "-cp",
                classpath,
                "kafka.Kafka",
                str(props),
            ],
            probe=probes.kafka_api_versions(p.kafka),
            prepare=prepare,
        )

    def _sentry(self) -> ProcessSpec:
        home = self.run_dir / "sentry"
        config = home / "config.yaml"
        p = self.ports

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
            probe=lambda: healthz() and self.trust_anchors_file.exists(),
            prepare=prepare,
        )

    def _control_plane_tls(self) -> list[str]:
        return [
            "--tls-enabled",
            "--sentry-address",
            f"127.0.0.1:{self.ports.sentry}",
            "--trust-anchors-file",
            str(self.trust_anchors_file),
            "--trust-domain",
            TRUST_DOMAIN,
        ]

    def _scheduler(self) -> ProcessSpec:
        home = self.run_dir / "scheduler"
        p = self.ports
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
                *self._control_plane_tls(),
            ],
            probe=probes.http_status(f"http://127.0.0.1:{p.scheduler_healthz}/healthz", 200),
            prepare=lambda: home.mkdir(parents=True, exist_ok=True),
        )

    def _placement(self) -> ProcessSpec:
        p = self.ports
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
                *self._control_plane_tls(),
            ],
            probe=probes.http_status(f"http://127.0.0.1:{p.placement_healthz}/healthz", 200),
        )

    def app_env(self, app_id: str) -> dict[str, str]:
        ap = self.ports.apps[app_id]
        return {
            "APP_ID": app_id,
            "DAPR_HTTP_PORT": str(ap.http),
            "DAPR_GRPC_PORT": str(ap.grpc),
            "DAPR_API_TOKEN": self.tokens.dapr_api[app_id],
            "APP_API_TOKEN": self.tokens.app_api[app_id],
            "PYTHONUNBUFFERED": "1",
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(self.ports.postgres),
            "POSTGRES_USER": PG_USER,
            "POSTGRES_DB": APP_DATABASES.get(app_id, "postgres"),
        }

    def database_url(self, database: str) -> str:
        password = quote(self.secrets["postgres-password"], safe="")
        return (
            f"postgresql+asyncpg://{PG_USER}:{password}@127.0.0.1:{self.ports.postgres}/{database}"
        )

    def _migrate(self, app_id: str) -> Callable[[], None] | None:
        """The app's schema migrations, run before each start (a no-op when current)."""
        if app_id not in MIGRATIONS:
            return None

        def migrate() -> None:
            env = {**os.environ, "DATABASE_URL": self.database_url(APP_DATABASES[app_id])}
            result = subprocess.run(
                [sys.executable, "-m", MIGRATIONS[app_id], "upgrade"],
                env=env,
                cwd=self.root,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                log = self.table.logs / f"{app_id}.log"
                log.parent.mkdir(parents=True, exist_ok=True)
                with log.open("a") as out:
                    out.write(f"--- migrations failed:\n{result.stdout}{result.stderr}")
                raise StartError(app_id, "schema migration failed", log)

        return migrate

    def app_spec(self, app_id: str) -> ProcessSpec:
        ap = self.ports.apps[app_id]
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
        if self.reload:
            package = APP_MODULES[app_id].split(".")[0]
            argv += [
                "--reload",
                "--reload-dir",
                str(self._package_dir(package)),
                "--reload-dir",
                str(self.root / "libs"),
            ]
        return ProcessSpec(
            name=app_id,
            argv=argv,
            env=self.app_env(app_id),
            prepare=self._migrate(app_id),
            cwd=self.root,
            probe=probes.http_status(f"http://127.0.0.1:{ap.app}/healthz", 200),
            watch=(
                self._package_dir(APP_MODULES[app_id].split(".")[0]),
                *sorted((self.root / "libs").glob("*/src")),
            ),
        )

    def _package_dir(self, package: str) -> Path:
        for src in (self.root / "services").glob(f"*/src/{package}"):
            return src
        raise RuntimeError(f"no service package {package}")

    def config_for(self, app_id: str) -> Path:
        """The app's Configuration; an app of no product (a test's) gets a deny-all one."""
        own = self.root / "components" / "config" / f"{app_id}.yaml"
        if own.exists():
            return own
        generated = self.run_dir / "config" / f"{app_id}.yaml"
        generated.parent.mkdir(parents=True, exist_ok=True)
        generated.write_text(_EXTRA_APP_CONFIG.format(app_id=app_id))
        return generated

    def resources_for(self, app_id: str) -> Path:
        """The components an app's sidecar loads. The product's apps load `components/` as it
        is; an app of no product (a test's observer or probe) gets a copy of it with its
        app-id added to every component's scopes, so the scopes stay exact for the product."""
        components = self.root / "components"
        if app_id in APP_IDS:
            return components
        own = self.run_dir / "resources" / app_id
        own.mkdir(parents=True, exist_ok=True)
        for source in components.glob("*.yaml"):
            docs = [d for d in yaml.safe_load_all(source.read_text()) if d and "kind" in d]
            if not docs:
                continue
            for doc in docs:
                if doc.get("kind") == "Component" and "scopes" in doc:
                    doc["scopes"] = [*doc["scopes"], app_id]
            (own / source.name).write_text(yaml.safe_dump_all(docs, sort_keys=False))
        return own

    def sidecar_spec(
        self,
        app_id: str,
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
        """daprd for `app_id`; the keywords let tests run extra sidecars beside the stack."""
        ap = self.ports.apps.get(app_id)
        http = http_port or (ap.http if ap else None)
        assert http is not None, "extra sidecars need explicit ports"
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
            str(resources or self.resources_for(app_id)),
            "--config",
            str(config or self.config_for(app_id)),
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
            # 5 failed probes 2 s apart (10 s; k8s: 3 x 5 s): a quick restart is carried by
            # the inbound retry (about 80 s, components/resiliency.yaml) without flipping the
            # health, because a flip while a delivery is being retried can leave the Kafka
            # consumer stalled (dapr/components-contrib#4349, seen here in the chaos suite).
            argv += [
                "--enable-app-health-check",
                "--app-health-check-path",
                "/healthz",
                "--app-health-probe-interval",
                "2",
                "--app-health-threshold",
                "5",
            ]
        if control_plane:
            argv += [
                "--scheduler-host-address",
                f"127.0.0.1:{self.ports.scheduler}",
                "--placement-host-address",
                f"127.0.0.1:{self.ports.placement}",
            ]
        if mtls:
            argv += ["--enable-mtls", "--sentry-address", f"127.0.0.1:{self.ports.sentry}"]

        def env() -> dict[str, str]:
            values = {
                "DAPR_HOST_IP": "127.0.0.1",
                "NAMESPACE": "default",
                "DAPR_API_TOKEN": dapr_api_token or self.tokens.dapr_api[app_id],
                "APP_API_TOKEN": app_api_token or self.tokens.app_api[app_id],
                "DEVSTACK_SECRETS_FILE": str(secrets_file()),
                "DEVSTACK_REDIS_ADDR": f"127.0.0.1:{self.ports.redis}",
                "DEVSTACK_KAFKA_BROKERS": f"127.0.0.1:{self.ports.kafka}",
                "DEVSTACK_NAMERES_DB": str(self.nameres_db),
                "DEVSTACK_SMTP_HOST": "127.0.0.1",
                "DEVSTACK_SMTP_PORT": str(self.ports.smtp),
                "DEVSTACK_SMTP_USER": "todo",
            }
            if mtls:
                values["DAPR_TRUST_ANCHORS"] = self.trust_anchors_file.read_text()
            return values

        healthz = probes.http_status(f"http://127.0.0.1:{http}/v1.0/healthz", 204)
        reachable = self._reachable_probes(app_id) if ap else []
        return ProcessSpec(
            name=name or f"daprd-{app_id}",
            argv=argv,
            env=env,
            cwd=self.run_dir,
            probe=probes.all_of(healthz, *reachable) if reachable else healthz,
            prepare=lambda: self.nameres_db.parent.mkdir(parents=True, exist_ok=True),
            timeout=timeout,
            watch=(self.root / "components",),  # read once at start
        )

    def _reachable_probes(self, callee: str) -> list[probes.Probe]:
        """Ready means reachable: the callee's app answers `GET /healthz` invoked through the
        sidecar of each app the access matrix lets call it (name resolution, mTLS, policy and
        app token all on the path). Each invocation is tried only once both ends are up, so
        start-up failures do not trip the caller's circuit breaker."""
        matrix = AccessMatrix.load()
        out: list[probes.Probe] = []
        for caller in APP_IDS:
            if caller == callee or not matrix.allowed(caller, callee, "GET", "/healthz"):
                continue
            caller_http = f"http://127.0.0.1:{self.ports.apps[caller].http}"
            app_url = f"http://127.0.0.1:{self.ports.apps[callee].app}"
            out.append(
                probes.all_of(
                    probes.http_status(f"{caller_http}/v1.0/healthz", 204),
                    probes.http_status(f"{app_url}/healthz", 200),
                    probes.http_status(
                        f"{caller_http}/v1.0/invoke/{callee}/method/healthz",
                        200,
                        {"dapr-api-token": self.tokens.dapr_api[caller]},
                    ),
                )
            )
        return out

    # ---- lifecycle ---------------------------------------------------------------------
    def up(self, report: Reporter = print) -> None:
        """Start every wave, in order, each process's readiness awaited. On failure, stop all."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._save_state()
        started: list[Running] = []
        t0 = time.monotonic()
        try:
            for wave in self.waves():
                self._start_wave(wave, started, report)
        except StartError:
            report("startup failed; stopping everything started")
            self.down(report=lambda _: None)
            raise
        self.write_endpoints()
        report(
            f"stack healthy in {time.monotonic() - t0:.1f}s; endpoints: "
            f"{self.run_dir / 'endpoints.json'}"
        )

    def _start_wave(
        self, wave: list[ProcessSpec], started: list[Running], report: Reporter
    ) -> None:
        with ThreadPoolExecutor(max_workers=len(wave)) as pool:
            running = {}
            for spec in wave:
                existing = self.table.load(spec.name)
                if existing is not None and existing.alive():
                    raise StartError(
                        spec.name,
                        f"already running (pid {existing.pid}); run `make down` first",
                        Path(existing.log),
                    )
                running[spec.name] = start(spec, self.table)
                started.append(running[spec.name])
            futures = {s.name: pool.submit(wait_ready, s, running[s.name]) for s in wave}
            errors = []
            for name, future in futures.items():
                try:
                    report(f"  ready  {name:<28} {future.result():5.1f}s")
                except StartError as exc:
                    errors.append(exc)
            if errors:
                raise errors[0]

    def down(self, report: Reporter = print) -> None:
        """Stop every process this run directory knows, last started first."""
        order = [s.name for wave in self.waves() for s in wave]
        known = self.table.names()
        extra = [n for n in known if n not in order]
        for name in [*extra, *reversed(order)]:
            running = self.table.load(name)
            if running is None:
                continue
            if running.alive():
                stop(running)
                report(f"  stopped {name}")
            self.table.forget(name)
        for pid in kill_tagged(self.run_dir):
            report(f"  killed orphan pid {pid}")
        (self.run_dir / "endpoints.json").unlink(missing_ok=True)
        if self.nameres_db.parent != self.run_dir:
            shutil.rmtree(self.nameres_db.parent, ignore_errors=True)

    def status(self) -> list[tuple[str, str, bool]]:
        """(name, pid or '-', healthy) for each process of the topology."""
        rows = []
        for wave in self.waves():
            for spec in wave:
                running = self.table.load(spec.name)
                alive = running is not None and running.alive()
                healthy = alive and _safe_probe(spec)
                rows.append((spec.name, str(running.pid) if alive and running else "-", healthy))
        return rows

    def endpoints(self) -> dict[str, object]:
        p = self.ports
        return {
            "run_dir": str(self.run_dir),
            "apps": {
                app_id: {
                    "app_url": f"http://127.0.0.1:{p.apps[app_id].app}",
                    "dapr_http": f"http://127.0.0.1:{p.apps[app_id].http}",
                    "dapr_grpc": f"127.0.0.1:{p.apps[app_id].grpc}",
                    "dapr_api_token": self.tokens.dapr_api[app_id],
                    "app_api_token": self.tokens.app_api[app_id],
                }
                for app_id in APP_IDS
            },
            "infra": {
                "postgres": {
                    "host": "127.0.0.1",
                    "port": p.postgres,
                    "user": PG_USER,
                    "databases": list(DATABASES),
                    "password_secret": "postgres-password",
                },
                "redis": f"127.0.0.1:{p.redis}",
                "kafka": f"127.0.0.1:{p.kafka}",
                "scheduler": f"127.0.0.1:{p.scheduler}",
                "placement": f"127.0.0.1:{p.placement}",
                "sentry": f"127.0.0.1:{p.sentry}",
                "smtp": f"127.0.0.1:{p.smtp}",
                "maildir": str(self.maildir),
                "trust_anchors": str(self.trust_anchors_file),
                "secrets_file": str(secrets_file()),
                "name_resolution_db": str(self.nameres_db),
            },
        }

    def write_endpoints(self) -> Path:
        path = self.run_dir / "endpoints.json"
        path.write_text(json.dumps(self.endpoints(), indent=2) + "\n")
        path.chmod(0o600)
        return path


def _safe_probe(spec: ProcessSpec) -> bool:
    try:
        return spec.probe()
    except Exception:
        return False


def _traversable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents] if p.exists())


def _kafka_properties(port: int, controller_port: int, data: Path) -> str:
    return f"""\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
"""


_KAFKA_LOG4J = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""

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
