"""Every port of the local topology: manifest.json's defaults (docs/architecture.md draws them),
each overridable."""

import dataclasses
import os
import random
import socket
from dataclasses import dataclass, field
from typing import Any

from devstack import manifest


@dataclass(frozen=True)
class AppPorts:
    app: int
    http: int
    grpc: int
    internal_grpc: int
    metrics: int


def _default_apps() -> dict[str, AppPorts]:
    return {app_id: AppPorts(**ports) for app_id, ports in manifest.app_ports().items()}


_DEFAULT = manifest.ports()
MAX_REPLICAS = 8


def replica_count(value: str | int | None) -> int:
    """A replica count as given (`make up REPLICAS=N`, DEVSTACK_REPLICAS): 1 to MAX_REPLICAS;
    anything else is refused with what is allowed."""
    if value is None or value == "":
        return 1
    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_REPLICAS:
        raise ValueError(f"replicas must be a whole number from 1 to {MAX_REPLICAS}, not {value!r}")
    return count


@dataclass(frozen=True)
class Ports:
    """The ports of one stack; the defaults are manifest.json's (a test keeps these fields and its
    `ports` the same names)."""

    postgres: int = _DEFAULT["postgres"]
    redis: int = _DEFAULT["redis"]
    kafka: int = _DEFAULT["kafka"]
    kafka_controller: int = _DEFAULT["kafka_controller"]
    sentry: int = _DEFAULT["sentry"]
    sentry_healthz: int = _DEFAULT["sentry_healthz"]
    sentry_metrics: int = _DEFAULT["sentry_metrics"]
    scheduler: int = _DEFAULT["scheduler"]
    scheduler_healthz: int = _DEFAULT["scheduler_healthz"]
    scheduler_metrics: int = _DEFAULT["scheduler_metrics"]
    scheduler_etcd_client: int = _DEFAULT["scheduler_etcd_client"]
    scheduler_etcd_peer: int = _DEFAULT["scheduler_etcd_peer"]
    placement: int = _DEFAULT["placement"]
    placement_healthz: int = _DEFAULT["placement_healthz"]
    placement_metrics: int = _DEFAULT["placement_metrics"]
    placement_raft: int = _DEFAULT["placement_raft"]
    smtp: int = _DEFAULT["smtp"]
    apps: dict[str, AppPorts] = field(default_factory=_default_apps)
    # Each app's replicas after the first (`apps` holds the first's): empty with one replica.
    more_replicas: dict[str, list[AppPorts]] = field(default_factory=dict)

    @classmethod
    def from_env(cls, replicas: int = 1) -> "Ports":
        """Defaults, with DEVSTACK_PORT_<NAME> (e.g. DEVSTACK_PORT_KAFKA=19092) overriding each;
        replica k of an app (from 0) on its first replica's ports + k x manifest.json's
        `replica_port_stride`."""
        ports = cls().with_env_overrides()
        stride = int(manifest.get("replica_port_stride.value"))
        more = {
            app_id: [
                AppPorts(*(port + k * stride for port in dataclasses.astuple(first)))
                for k in range(1, replicas)
            ]
            for app_id, first in ports.apps.items()
        }
        return dataclasses.replace(ports, more_replicas=more if replicas > 1 else {})

    def replicas_of(self, app_id: str) -> list[AppPorts]:
        """The ports of each replica of `app_id`, the first first."""
        return [self.apps[app_id], *self.more_replicas.get(app_id, [])]

    @property
    def replicas(self) -> int:
        """How many replicas each app runs."""
        return 1 + max((len(more) for more in self.more_replicas.values()), default=0)

    def with_env_overrides(self) -> "Ports":
        """These ports, with any DEVSTACK_PORT_<NAME> / DEVSTACK_PORT_<APP>_<KIND> applied."""
        overrides: dict[str, Any] = {}  # the simple int fields only
        for f in dataclasses.fields(self):
            value = os.environ.get(f"DEVSTACK_PORT_{f.name.upper()}")
            if f.name not in ("apps", "more_replicas") and value:
                overrides[f.name] = int(value)
        apps = dict(self.apps)
        for app_id, ports in apps.items():
            prefix = "DEVSTACK_PORT_" + app_id.upper().replace("-", "_") + "_"
            changes = {
                k: int(os.environ[prefix + k.upper()])
                for k in ("app", "http", "grpc", "internal_grpc", "metrics")
                if os.environ.get(prefix + k.upper())
            }
            apps[app_id] = dataclasses.replace(ports, **changes)
        return dataclasses.replace(self, apps=apps, **overrides)

    @classmethod
    def free(cls, replicas: int = 1) -> "Ports":
        """Ports the OS reports free right now: a second stack beside a developer's `make up`."""
        taken: set[int] = set()

        def pick() -> int:
            while True:
                port = free_port()
                if port not in taken:
                    taken.add(port)
                    return port

        simple = {
            f.name: pick()
            for f in dataclasses.fields(cls)
            if f.name not in ("apps", "more_replicas")
        }
        apps = {
            app_id: AppPorts(pick(), pick(), pick(), pick(), pick()) for app_id in _default_apps()
        }
        more = {
            app_id: [AppPorts(pick(), pick(), pick(), pick(), pick()) for _ in range(1, replicas)]
            for app_id in _default_apps()
        }
        return cls(apps=apps, more_replicas=more if replicas > 1 else {}, **simple)

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Ports":
        data = dict(data)
        raw_apps = data.pop("apps")
        raw_more = data.pop("more_replicas", {})
        assert isinstance(raw_apps, dict) and isinstance(raw_more, dict)
        apps = {k: AppPorts(**v) for k, v in raw_apps.items()}
        more = {k: [AppPorts(**p) for p in v] for k, v in raw_more.items()}
        return cls(apps=apps, more_replicas=more, **data)  # type: ignore[arg-type]


# Below Linux's ephemeral range (32768+ by default): a port picked there can be taken by any
# outgoing connection between the pick and the server's bind. Below Kubernetes' NodePort range
# (30000+) too: the dev cluster's kube-proxy redirects 127.0.0.1:<node port> to its pods.
# The dev cluster's own ports (devstack.cluster.PORTS) are outside this range.
_PICK_FROM, _PICK_TO = 20000, 30000
_handed_out: set[int] = set()


def free_port() -> int:
    """A port outside the ephemeral range that nothing listens on now, not handed out before
    by this process."""
    for _ in range(1000):
        port = random.randrange(_PICK_FROM, _PICK_TO)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {_PICK_FROM}-{_PICK_TO}")
