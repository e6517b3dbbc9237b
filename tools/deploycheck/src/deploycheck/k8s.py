"""k8s/: every overlay (dev, local, prod) renders with the pinned kustomize; every core object
passes the Kubernetes JSON schemas (strict), every Dapr object the pinned Dapr CRDs' schemas
(strict, as the API server's strict field validation); and the objects agree with each other,
with the code, the Dockerfiles and the local components/."""

import copy
import importlib.resources
import json
import re
import subprocess
from collections.abc import Iterator
from functools import cache
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource

from deploycheck import dockerfiles
from deploycheck.facts import (
    KAFKA_VERSION,
    KUBERNETES_VERSION,
    NAMESPACE,
    app_routes,
    apps,
    dapr_crds_dir,
    dapr_module_dir,
    kustomize_bin,
    root,
)

Obj = dict[str, Any]
OVERLAYS = ("dev", "local", "prod")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


def overlay_dir(name: str) -> Path:
    return root() / "k8s" / "overlays" / name


def render(overlay: str) -> str:
    binary = kustomize_bin()
    if not binary.exists():
        raise RuntimeError(f"{binary} missing: run `make bootstrap` (tools/build-k8s-tools.sh)")
    result = subprocess.run(
        [str(binary), "build", str(overlay_dir(overlay))], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"kustomize build k8s/overlays/{overlay}: {result.stderr.strip()}")
    return result.stdout


def load(text: str) -> list[Obj]:
    return [d for d in yaml.safe_load_all(text) if d]


def ident(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{obj.get('kind')}/{meta.get('name')}"


# ---- schemas ------------------------------------------------------------------------------
def _strict(schema: Any) -> Any:
    """A CRD schema as the API server's strict field validation applies it: unknown fields in
    an object with declared properties are errors, unless the schema keeps unknown fields."""
    if isinstance(schema, dict):
        out = {k: _strict(v) for k, v in schema.items()}
        if (
            "properties" in out
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@cache
def crd_schemas() -> dict[tuple[str, str], Obj]:
    """(apiVersion, kind) → the openAPIV3Schema of every Dapr CRD of the pinned release."""
    schemas: dict[tuple[str, str], Obj] = {}
    for path in sorted(dapr_crds_dir().glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                if version.get("served", True):
                    schema = version["schema"]["openAPIV3Schema"]
                    schemas[(f"{group}/{version['name']}", kind)] = _strict(schema)
    if not schemas:
        raise RuntimeError(f"no Dapr CRDs under {dapr_crds_dir()}")
    return schemas


def _schema_files() -> Traversable:
    return importlib.resources.files("kubernetes_validate").joinpath(
        f"kubernetes-json-schema/v{KUBERNETES_VERSION}-local-strict"
    )


@cache
def _core_definitions() -> Obj:
    defs: Obj = json.loads(_schema_files().joinpath("_definitions.json").read_text())
    return defs


@cache
def _core_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    """The strict schema kubernetes-validate ships for this kind, loaded once (its own
    validate() re-reads every file per object: 60 objects took 8 s)."""
    api = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    path = _schema_files().joinpath(f"{kind.lower()}-{api}.json")
    if not path.is_file():
        return None
    schema = json.loads(path.read_text())
    registry: Registry[Any] = Resource.from_contents(schema) @ (
        Resource.from_contents(_core_definitions()) @ Registry()
    )
    return jsonschema.Draft202012Validator(schema, registry=registry)


@cache
def _dapr_validator(api_version: str, kind: str) -> jsonschema.protocols.Validator | None:
    schema = crd_schemas().get((api_version, kind))
    return jsonschema.Draft7Validator(schema) if schema is not None else None


@cache
def _object_meta_validator() -> jsonschema.protocols.Validator:
    schema = {
        "$defs": _core_definitions()["$defs"],
        "$ref": "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
    }
    return jsonschema.Draft202012Validator(schema)


def _messages(obj: Obj, validator: jsonschema.protocols.Validator, data: Any, at: str) -> list[str]:
    return [
        f"{ident(obj)}: {at}{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(data)
    ]


def schema_errors(obj: Obj) -> list[str]:
    api_version, kind = str(obj.get("apiVersion")), str(obj.get("kind"))
    if api_version.startswith("dapr.io/"):
        validator = _dapr_validator(api_version, kind)
        if validator is None:
            return [f"{ident(obj)}: no Dapr CRD serves {api_version} {kind}"]
        return _messages(obj, validator, obj, "") + _messages(
            obj, _object_meta_validator(), obj.get("metadata") or {}, "metadata/"
        )
    validator = _core_validator(api_version, kind)
    if validator is None:
        return [f"{ident(obj)}: Kubernetes {KUBERNETES_VERSION} has no {api_version} {kind}"]
    return _messages(obj, validator, obj, "")


# ---- cross-checks -------------------------------------------------------------------------
def _by_kind(objs: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objs if o.get("kind") == kind}


@cache
def known_dapr_annotations() -> frozenset[str]:
    """Every dapr.io/ annotation the pinned injector reads (from its source)."""
    source = dapr_module_dir() / "pkg" / "injector" / "annotations" / "annotations.go"
    return frozenset(re.findall(r'"(dapr\.io/[a-z0-9-]+)"', source.read_text()))


def _pod_secret_refs(pod: Obj) -> set[str]:
    names: set[str] = set()
    for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
        for env in container.get("env", []):
            ref = (env.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                names.add(ref["name"])
        for source in container.get("envFrom", []):
            if "secretRef" in source:
                names.add(source["secretRef"]["name"])
    for volume in pod.get("volumes", []):
        if "secret" in volume:
            names.add(volume["secret"]["secretName"])
    return names


def _workloads(objs: list[Obj]) -> Iterator[Obj]:
    return (o for o in objs if o.get("kind") in ("Deployment", "StatefulSet", "DaemonSet"))


def _local_resource(path: str) -> Obj:
    data: Obj = yaml.safe_load((root() / "components" / path).read_text())
    return data


def _with_namespace(access_control: Any, namespace: str) -> Any:
    result = copy.deepcopy(access_control)
    for policy in result.get("policies", []):
        policy["namespace"] = namespace
    return result


def _scale_errors(where: str, deployment: Obj, objs: list[Obj]) -> list[str]:
    """An autoscaled Deployment leaves its replica count to the HPA (a count in the manifest
    resets the scale on every apply), and every app spreads its pods over nodes and zones."""
    errors = []
    name = deployment["metadata"]["name"]
    scaled_by = [
        hpa
        for hpa in _by_kind(objs, "HorizontalPodAutoscaler").values()
        if hpa["spec"]["scaleTargetRef"].get("kind") == "Deployment"
        and hpa["spec"]["scaleTargetRef"].get("name") == name
    ]
    if scaled_by and "replicas" in deployment["spec"]:
        errors.append(
            f"{where}: sets replicas beside HorizontalPodAutoscaler/"
            f"{scaled_by[0]['metadata']['name']}: every apply would reset the scale"
        )
    own = deployment["spec"]["selector"]["matchLabels"]
    spread = {
        c.get("topologyKey")
        for c in deployment["spec"]["template"]["spec"].get("topologySpreadConstraints", [])
        if c.get("labelSelector", {}).get("matchLabels") == own
    }
    for key in ("kubernetes.io/hostname", "topology.kubernetes.io/zone"):
        if key not in spread:
            errors.append(f"{where}: its pods are not spread over {key}")
    return errors


# PostgreSQL's default max_connections (the in-cluster one runs with it; prod's is assumed to),
# less the 3 it keeps for superusers.
MAX_CONNECTIONS = 100 - 3


def _connection_budget_errors(objs: list[Obj]) -> list[str]:
    """Every pooled connection the overlay can open at once (each database app's pool times
    its most replicas: an HPA's maximum, else its count) fits PostgreSQL's limit."""
    config = _by_kind(objs, "ConfigMap").get("todo-infra", {}).get("data", {})
    if "POSTGRES_POOL_SIZE" not in config:
        return ["ConfigMap/todo-infra: no POSTGRES_POOL_SIZE (the apps' pool per process)"]
    pool = int(config["POSTGRES_POOL_SIZE"])
    hpa_max = {
        hpa["spec"]["scaleTargetRef"]["name"]: int(hpa["spec"]["maxReplicas"])
        for hpa in _by_kind(objs, "HorizontalPodAutoscaler").values()
    }
    total, parts = 0, []
    for name, deployment in _by_kind(objs, "Deployment").items():
        containers = deployment["spec"]["template"]["spec"].get("containers", [])
        if not any(e.get("name") == "POSTGRES_DB" for c in containers for e in c.get("env", [])):
            continue
        replicas = hpa_max.get(name, int(deployment["spec"].get("replicas", 1)))
        total += replicas * pool
        parts.append(f"{name} {replicas} x {pool}")
    if total > MAX_CONNECTIONS:
        return [
            f"PostgreSQL connections: {' + '.join(parts)} = {total} > {MAX_CONNECTIONS} "
            "(max_connections 100 less 3 reserved)"
        ]
    return []


def cross_check(objs: list[Obj], overlay: str) -> list[str]:
    errors: list[str] = []
    err = errors.append
    deployments = _by_kind(objs, "Deployment")
    configurations = _by_kind(objs, "Configuration")
    components = _by_kind(objs, "Component")
    secrets = _by_kind(objs, "Secret")
    roles = _by_kind(objs, "Role")
    bindings = _by_kind(objs, "RoleBinding")

    for obj in objs:
        namespace = (obj.get("metadata") or {}).get("namespace")
        if obj.get("kind") not in CLUSTER_SCOPED and namespace != NAMESPACE:
            err(f"{ident(obj)}: namespace {namespace}, expected {NAMESPACE}")

    app_ids: dict[str, str] = {}  # app-id → deployment name
    role_secrets: dict[str, set[str]] = {}  # service account → Secrets its Roles grant
    for binding in bindings.values():
        role = roles.get(binding["roleRef"]["name"])
        granted = {
            n
            for rule in (role or {}).get("rules", [])
            if "secrets" in rule.get("resources", []) and "get" in rule.get("verbs", [])
            for n in rule.get("resourceNames", [])
        }
        for subject in binding.get("subjects", []):
            if subject.get("kind") == "ServiceAccount":
                role_secrets.setdefault(subject["name"], set()).update(granted)

    for app in apps().values():
        deployment = deployments.get(app.app_id)
        if deployment is None:
            err(f"Deployment/{app.app_id}: missing")
            continue
        where = ident(deployment)
        template = deployment["spec"]["template"]
        notes: dict[str, str] = template["metadata"].get("annotations", {})
        pod = template["spec"]
        if notes.get("dapr.io/enabled") != "true":
            err(f'{where}: dapr.io/enabled is not "true"')
        for key in sorted(set(notes) - known_dapr_annotations()):
            if key.startswith("dapr.io/"):
                err(f"{where}: {key} is not an annotation Dapr's injector reads")
        app_id = notes.get("dapr.io/app-id", "")
        if app_id != app.app_id:
            err(f"{where}: dapr.io/app-id {app_id!r}, expected {app.app_id!r}")
        app_ids[app_id] = app.app_id
        config = notes.get("dapr.io/config")
        if config not in configurations:
            err(f"{where}: dapr.io/config {config!r} names no Configuration")
        containers = {c["name"]: c for c in pod.get("containers", [])}
        container = containers.get(app.app_id)
        if container is None:
            err(f"{where}: no container named {app.app_id}")
            continue
        ports = [p["containerPort"] for p in container.get("ports", [])]
        exposed = dockerfiles.exposed_port(app)
        app_port = notes.get("dapr.io/app-port", "")
        if not (app_port == str(app.port) and ports == [app.port] and exposed == app.port):
            err(
                f"{where}: ports disagree: dapr.io/app-port {app_port}, containerPort {ports}, "
                f"Dockerfile EXPOSE {exposed}, launcher {app.port}"
            )
        image = str(container.get("image", ""))
        if overlay == "prod" and "@sha256:" not in image:
            err(f"{where}: image {image} is not pinned by digest")
        if not re.search(rf"/?todo/{re.escape(app.app_id)}[:@]", image):
            err(f"{where}: image {image} is not todo/{app.app_id}")

        routes = app_routes().get(app.app_id, frozenset())
        probe_paths = {
            "liveness": (container.get("livenessProbe") or {}).get("httpGet", {}).get("path"),
            "readiness": (container.get("readinessProbe") or {}).get("httpGet", {}).get("path"),
            "dapr app health": notes.get("dapr.io/app-health-check-path"),
        }
        for what, path in probe_paths.items():
            if path is None:
                err(f"{where}: no {what} probe")
            elif path not in routes:
                err(f"{where}: {what} probe {path} is not a route of {app.asgi}")
        if probe_paths["liveness"] != "/healthz":
            err(f"{where}: liveness must be /healthz (alive, no dependencies)")
        if "/readyz" in routes and probe_paths["readiness"] != "/readyz":
            err(f"{where}: the app serves /readyz; readiness must use it")
        if notes.get("dapr.io/enable-app-health-check") != "true":
            err(f"{where}: the sidecar does not check the app's health")
        for key in ("cpu-request", "cpu-limit", "memory-request", "memory-limit"):
            if f"dapr.io/sidecar-{key}" not in notes:
                err(f"{where}: no dapr.io/sidecar-{key}")
        errors.extend(_security_errors(where, pod))
        errors.extend(_scale_errors(where, deployment, objs))

        account = pod.get("serviceAccountName", "default")
        if account not in _by_kind(objs, "ServiceAccount"):
            err(f"{where}: ServiceAccount {account} missing")
        for kind in ("Service", "PodDisruptionBudget"):
            if app.app_id not in _by_kind(objs, kind):
                err(f"{where}: no {kind} {app.app_id}")
        for key in ("dapr.io/api-token-secret", "dapr.io/app-token-secret"):
            if key not in notes:
                err(f"{where}: no {key}")
        needed = _pod_secret_refs(pod) | {
            notes[k] for k in ("dapr.io/api-token-secret", "dapr.io/app-token-secret") if k in notes
        }
        if overlay in ("dev", "local"):
            for name in sorted(needed - set(secrets)):
                err(f"{where}: Secret {name} is not generated")

        # The sidecar reads, with the pod's ServiceAccount, the secrets of its components.
        for component in components.values():
            if app.app_id not in component.get("scopes", []):
                continue
            refs = {
                m["secretKeyRef"]["name"]
                for m in component["spec"].get("metadata", [])
                if "secretKeyRef" in m
            }
            for name in sorted(refs - role_secrets.get(account, set())):
                err(
                    f"{where}: its ServiceAccount {account} may not read Secret {name}, "
                    f"which Component/{component['metadata']['name']} (scoped to it) needs"
                )

    for name, component in components.items():
        scopes = component.get("scopes")
        if not scopes:
            err(f"Component/{name}: no scopes (every app would load it)")
        for scope in scopes or []:
            if scope not in app_ids:
                err(f"Component/{name}: scope {scope!r} is no app-id of a Deployment")
        store = (component.get("auth") or {}).get("secretStore")
        if store is not None:
            target = components.get(store)
            if target is None or not str(target["spec"]["type"]).startswith("secretstores."):
                err(f"Component/{name}: auth.secretStore {store!r} is no secret store")
            elif set(scopes or []) - set(target.get("scopes", [])):
                err(f"Component/{name}: apps in its scopes cannot load secret store {store}")

    for app in apps().values():
        configuration = configurations.get(app.app_id)
        if configuration is None:
            continue
        local = _local_resource(f"config/{app.app_id}.yaml")["spec"].get("accessControl")
        ours = configuration["spec"].get("accessControl")
        if ours != _with_namespace(local, NAMESPACE):
            err(
                f"Configuration/{app.app_id}: accessControl differs from "
                f"components/config/{app.app_id}.yaml (other than the namespace)"
            )
        for key in ("tracing", "metrics"):
            if key not in configuration["spec"]:
                err(f"Configuration/{app.app_id}: no {key}")
    errors.extend(_connection_budget_errors(objs))
    resiliencies = _by_kind(objs, "Resiliency")
    for file in ("resiliency.yaml", "resiliency-invocation.yaml"):
        local_resiliency = _local_resource(file)
        ours_resiliency = resiliencies.get(local_resiliency["metadata"]["name"])
        if ours_resiliency is None or any(
            ours_resiliency.get(key) != local_resiliency.get(key) for key in ("spec", "scopes")
        ):
            err(f"Resiliency: differs from components/{file}")

    if overlay == "prod" and secrets:
        err(f"prod renders Secrets {sorted(secrets)}: production secrets are not generated")
    for workload in _workloads(objs):
        for container in workload["spec"]["template"]["spec"].get("containers", []):
            image = str(container.get("image", ""))
            if image.startswith("apache/kafka:") and image.split(":")[1] != KAFKA_VERSION:
                err(f"{ident(workload)}: {image}, the stack pins Kafka {KAFKA_VERSION}")
    hpa = _by_kind(objs, "HorizontalPodAutoscaler")
    for name, scaler in hpa.items():
        if scaler["spec"]["scaleTargetRef"]["name"] not in deployments:
            err(f"HorizontalPodAutoscaler/{name}: targets no Deployment")
    if "backend" not in hpa:
        err("HorizontalPodAutoscaler/backend: missing")
    policies = _by_kind(objs, "NetworkPolicy")
    deny = [
        p
        for p in policies.values()
        if p["spec"].get("podSelector") == {}
        and set(p["spec"].get("policyTypes", [])) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    if not deny:
        err("NetworkPolicy: no default-deny policy for the namespace")
    return errors


def _security_errors(where: str, pod: Obj) -> list[str]:
    errors = []
    pod_security = pod.get("securityContext") or {}
    for container in [*pod.get("initContainers", []), *pod.get("containers", [])]:
        sc = container.get("securityContext") or {}
        name = container["name"]
        seccomp = (sc.get("seccompProfile") or pod_security.get("seccompProfile") or {}).get("type")
        checks = {
            "runAsNonRoot": sc.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True,
            "readOnlyRootFilesystem": sc.get("readOnlyRootFilesystem") is True,
            "allowPrivilegeEscalation false": sc.get("allowPrivilegeEscalation") is False,
            "capabilities drop ALL": (sc.get("capabilities") or {}).get("drop") == ["ALL"],
            "seccomp RuntimeDefault": seccomp == "RuntimeDefault",
            "resources": bool((container.get("resources") or {}).get("limits")),
        }
        errors += [f"{where}: container {name}: no {k}" for k, ok in checks.items() if not ok]
    return errors


def check_objects(objs: list[Obj], overlay: str) -> list[str]:
    """Every error of one rendered overlay."""
    errors = [e for obj in objs for e in schema_errors(obj)]
    try:
        errors += cross_check(objs, overlay)
    except (KeyError, TypeError, AttributeError) as exc:
        errors.append(f"malformed object ({type(exc).__name__}: {exc})")
    return errors


def check_overlay(overlay: str) -> list[str]:
    try:
        objs = load(render(overlay))
    except RuntimeError as exc:
        return [str(exc)]
    return [f"overlays/{overlay}: {e}" for e in check_objects(objs, overlay)]
