"""components/access-matrix.yaml: who may invoke what, load which component, read which
secret; and what each Dapr Configuration must say to enforce it (devstack.configurations
writes them)."""

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from devstack.manifest import APP_IDS
from devstack.versions import repo_root


@dataclass(frozen=True)
class Invocation:
    caller: str
    callee: str
    verb: str
    path: str  # with {placeholders}

    def sample_path(self, value: str = "3f1c2a9e-0000-4000-8000-00000000abcd") -> str:
        """The path with every placeholder filled (a UUID by default)."""
        parts = [value if p.startswith("{") else p for p in self.path.split("/")]
        return "/".join(parts)


@dataclass(frozen=True)
class AccessMatrix:
    raw: dict[str, Any]

    @classmethod
    def load(cls, path: Path | None = None) -> "AccessMatrix":
        source = path or repo_root() / "components" / "access-matrix.yaml"
        return cls(yaml.safe_load(source.read_text()))

    @property
    def apps(self) -> list[str]:
        """The product's app-ids (manifest.json); the matrix says what each may do."""
        return list(APP_IDS)

    @property
    def trust_domain(self) -> str:
        return str(self.raw["trustDomain"])

    def namespace(self, where: str) -> str:
        return str(self.raw["namespaces"][where])

    @property
    def invocations(self) -> list[Invocation]:
        return [Invocation(**i) for i in self.raw["invocations"]]

    def allowed(self, caller: str, callee: str, verb: str, path: str) -> bool:
        """Does the matrix allow this call (placeholders match one path segment)?"""
        return any(
            i.caller == caller
            and i.callee == callee
            and i.verb == verb
            and _same_route(i.path, path)
            for i in self.invocations
        )

    def operations(self, callee: str) -> dict[str, list[dict[str, Any]]]:
        return dict(self.raw["operations"].get(callee) or {})

    def access_control(self, callee: str, where: str) -> dict[str, Any]:
        """The `spec.accessControl` block callee's Configuration must carry."""
        block: dict[str, Any] = {"defaultAction": "deny", "trustDomain": self.trust_domain}
        policies = [
            {
                "appId": caller,
                "defaultAction": "deny",
                "trustDomain": self.trust_domain,
                "namespace": self.namespace(where),
                "operations": [
                    {"name": op["name"], "httpVerb": list(op["verbs"]), "action": "allow"}
                    for op in ops
                ],
            }
            for caller, ops in self.operations(callee).items()
        ]
        if policies:
            block["policies"] = policies
        return block

    def secret_scopes(self, app_id: str) -> list[dict[str, Any]]:
        """The `spec.secrets.scopes` block app's Configuration must carry."""
        scope: dict[str, Any] = {"storeName": "secretstore", "defaultAccess": "deny"}
        allowed = list(self.raw["secrets"][app_id])
        if allowed:
            scope["allowedSecrets"] = allowed
        return [scope]

    def component_scopes(self) -> dict[str, list[str]]:
        return {name: list(apps) for name, apps in self.raw["components"].items()}


def covered(operations: list[dict[str, Any]], verb: str, path: str) -> bool:
    """Would these Dapr operations let `verb path` through? Dapr's rule: an operation's
    segments match the first segments of the path (glob within a segment), the rest of the
    path is covered too; the verb must be listed."""
    segments = [s for s in path.split("/") if s]
    for op in operations:
        pattern = [s for s in op["name"].split("/") if s]
        if (
            verb in op["verbs"]
            and len(pattern) <= len(segments)
            and all(fnmatch.fnmatchcase(s, p) for s, p in zip(segments, pattern, strict=False))
        ):
            return True
    return False


def _same_route(template: str, path: str) -> bool:
    a, b = template.split("/"), path.split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))
