"""One stack: its run directory, ports, tokens and secrets, where its processes keep their files,
and the state saved there (stack.json, endpoints.json).

Which processes it runs is `devstack.topology`; starting and stopping them, `devstack.lifecycle`.
"""

import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import quote

from devstack.access_matrix import AccessMatrix
from devstack.dev_secrets import ensure_dev_secrets, secrets_file
from devstack.manifest import APP_IDS as APP_IDS  # the product's apps: manifest.json
from devstack.manifest import APP_MODULES as APP_MODULES
from devstack.ports import Ports
from devstack.processes import ProcessTable
from devstack.versions import repo_root

PG_USER = "todo"
DATABASES = ("todo", "notifications")


def replica_name(app_id: str, index: int) -> str:
    """The process name of an app's replica: the app-id for the first (index 0), then
    `<app-id>.<index>`; its sidecar is `daprd-` and that."""
    return app_id if index == 0 else f"{app_id}.{index}"


def default_run_dir() -> Path:
    return Path(os.environ.get("DEVSTACK_RUN_DIR") or repo_root() / ".devstack")


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

    # ---- saved state -------------------------------------------------------------------
    @classmethod
    def create(cls, run_dir: Path, ports: Ports | None = None, *, reload: bool = False) -> "Stack":
        return cls(run_dir, ports or Ports.from_env(), Tokens.generate(), reload=reload)

    @classmethod
    def load(cls, run_dir: Path) -> "Stack":
        """The stack a previous `up` (or `tilt-plan`) saved in `run_dir`."""
        state = json.loads((run_dir / "stack.json").read_text())
        return cls(
            run_dir,
            Ports.from_dict(state["ports"]),
            Tokens(state["tokens"]["dapr_api"], state["tokens"]["app_api"]),
        )

    def save(self) -> None:
        """stack.json: what `load` needs to find this stack's processes again."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        state = {
            "ports": self.ports.to_dict(),
            "tokens": {"dapr_api": self.tokens.dapr_api, "app_api": self.tokens.app_api},
        }
        path = self.run_dir / "stack.json"
        path.write_text(json.dumps(state, indent=2))
        path.chmod(0o600)

    def write_endpoints(self) -> Path:
        path = self.run_dir / "endpoints.json"
        path.write_text(json.dumps(self.endpoints(), indent=2) + "\n")
        path.chmod(0o600)
        return path

    @property
    def replicas(self) -> int:
        """How many replicas of each app this stack runs (`make up REPLICAS=N`)."""
        return self.ports.replicas

    # ---- where things live -------------------------------------------------------------
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

    @property
    def maildir(self) -> Path:
        """Where the SMTP sink keeps every mail it receives (a Maildir: `mailbox.Maildir`)."""
        return self.run_dir / "smtp" / "maildir"

    @cached_property
    def access_matrix(self) -> AccessMatrix:
        """components/access-matrix.yaml, read once: each callee's sidecar is probed by it."""
        return AccessMatrix.load()

    def database_url(self, database: str) -> str:
        password = quote(self.secrets["postgres-password"], safe="")
        return (
            f"postgresql+asyncpg://{PG_USER}:{password}@127.0.0.1:{self.ports.postgres}/{database}"
        )

    def endpoints(self) -> dict[str, object]:
        """endpoints.json: each app's first replica's addresses and its tokens, and every
        replica's addresses under `replicas`; the infrastructure's."""
        p = self.ports

        def replica(app_id: str, index: int) -> dict[str, str]:
            ports = p.replicas_of(app_id)[index]
            return {
                "name": replica_name(app_id, index),
                "app_url": f"http://127.0.0.1:{ports.app}",
                "dapr_http": f"http://127.0.0.1:{ports.http}",
                "dapr_grpc": f"127.0.0.1:{ports.grpc}",
            }

        return {
            "run_dir": str(self.run_dir),
            "apps": {
                app_id: {
                    "app_url": replica(app_id, 0)["app_url"],
                    "dapr_http": replica(app_id, 0)["dapr_http"],
                    "dapr_grpc": replica(app_id, 0)["dapr_grpc"],
                    "dapr_api_token": self.tokens.dapr_api[app_id],
                    "app_api_token": self.tokens.app_api[app_id],
                    "replicas": [replica(app_id, i) for i in range(self.replicas)],
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
