"""The local topology: every process of a stack by name, the waves they start in, and the
builder of each (infra, control_plane, apps), so finding one process builds only that one."""

from collections.abc import Callable

from devstack.processes import ProcessSpec
from devstack.stack import APP_IDS, Stack
from devstack.topology import apps, control_plane, infra

Builder = Callable[[Stack], ProcessSpec]


def _waves(replicas: int) -> list[list[tuple[str, Builder]]]:
    return [
        [
            ("postgres", infra.postgres),
            ("redis", infra.redis),
            ("kafka", infra.kafka),
            ("sentry", control_plane.sentry),
            ("smtp", infra.smtp),
        ],
        [("scheduler", control_plane.scheduler), ("placement", control_plane.placement)],
        # An app and its sidecar start together: the app waits on the sidecar's outbound
        # health (to read its secrets) while the sidecar waits for the app's port.
        [entry for app_id in APP_IDS for entry in apps.processes(app_id, replicas)],
    ]


def names(replicas: int = 1) -> list[str]:
    """Every process of a stack of `replicas` replicas per app, in start order."""
    return [name for wave in _waves(replicas) for name, _ in wave]


def spec(stack: Stack, name: str) -> ProcessSpec:
    """The process called `name`; no other is built."""
    for wave in _waves(stack.replicas):
        for candidate, build in wave:
            if candidate == name:
                return build(stack)
    raise KeyError(f"no process {name!r}; the stack has {', '.join(names(stack.replicas))}")


def waves(stack: Stack) -> list[list[ProcessSpec]]:
    """Every process, grouped so each group needs only what earlier groups provide."""
    return [[build(stack) for _, build in wave] for wave in _waves(stack.replicas)]
