"""k8s/ renders (pinned kustomize) into objects that pass the Kubernetes and Dapr schemas and
agree with each other, the code, the Dockerfiles and components/; every check can fail."""

import copy
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploycheck import dev_secrets, k8s
from deploycheck.facts import KUSTOMIZE_VERSION, root
from devstack.dev_secrets import SECRET_NAMES
from devstack.stack import APP_IDS

Obj = dict[str, Any]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Obj]]:
    dev_secrets.ensure()
    return {overlay: k8s.load(k8s.render(overlay)) for overlay in k8s.OVERLAYS}


@pytest.mark.parametrize("overlay", k8s.OVERLAYS)
def test_overlay_passes_every_check(rendered: dict[str, list[Obj]], overlay: str) -> None:
    assert k8s.check_objects(rendered[overlay], overlay) == []


def test_make_k8s_validate_runs_the_checks_this_suite_runs() -> None:
    makefile = (root() / "Makefile").read_text()
    recipe = makefile.split("\nk8s-validate:", 1)[1].split("\n\n", 1)[0]
    assert "deploycheck all" in recipe
    result = subprocess.run(
        [sys.executable, "-m", "deploycheck.cli", "all"], cwd=root(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^k8s\s+ok", result.stdout, flags=re.M), result.stdout


def test_dev_is_one_replica_each_with_in_cluster_infra(rendered: dict[str, list[Obj]]) -> None:
    dev = rendered["dev"]
    replicas = {
        o["metadata"]["name"]: o["spec"].get("replicas")
        for o in dev
        if o["kind"] == "Deployment" and o["metadata"]["name"] in APP_IDS
    }
    hpa = _find(dev, "HorizontalPodAutoscaler", "backend")
    # backend's count is its autoscaler's minimum; the Deployment leaves it to the HPA
    assert replicas == {**dict.fromkeys(APP_IDS, 1), "backend": None}
    assert hpa["spec"]["minReplicas"] == 1
    statefulsets = {o["metadata"]["name"] for o in dev if o["kind"] == "StatefulSet"}
    assert {"kafka", "redis", "postgres"} <= statefulsets


def test_prod_has_no_in_cluster_infra_and_backend_scales(rendered: dict[str, list[Obj]]) -> None:
    prod = rendered["prod"]
    assert not [o for o in prod if o["kind"] == "StatefulSet"]
    backend = next(
        o for o in prod if o["kind"] == "Deployment" and o["metadata"]["name"] == "backend"
    )
    hpa = next(o for o in prod if o["kind"] == "HorizontalPodAutoscaler")
    assert "replicas" not in backend["spec"] and hpa["spec"]["minReplicas"] == 3


def test_dev_secrets_are_the_local_secret_names_and_never_committed(
    rendered: dict[str, list[Obj]],
) -> None:
    generated = {o["metadata"]["name"] for o in rendered["dev"] if o["kind"] == "Secret"}
    tokens = {f"{a}-{k}" for a in APP_IDS for k in ("dapr-api-token", "app-api-token")}
    assert generated == set(SECRET_NAMES) | tokens
    tracked = subprocess.run(
        ["git", "ls-files", "k8s/overlays/dev/secrets"],
        cwd=root(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert tracked == ""
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "k8s/overlays/dev/secrets/postgres-password"],
        cwd=root(),
        check=False,
    )
    assert ignored.returncode == 0


def test_the_bootstrap_builds_the_pinned_kustomize() -> None:
    script = (root() / "tools" / "build-k8s-tools.sh").read_text()
    assert "KUSTOMIZE_VERSION=$(manifest versions.kustomize.version)\n" in script
    assert "build-k8s-tools.sh" in (root() / "tools" / "bootstrap.sh").read_text()
    version = subprocess.run(
        [str(k8s.kustomize_bin()), "version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.strip() == f"v{KUSTOMIZE_VERSION}"


# ---- every check fails on a manifest broken its way ----------------------------------------
def _find(objs: list[Obj], kind: str, name: str) -> Obj:
    return next(o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name)


def _annotations(objs: list[Obj], app: str) -> dict[str, str]:
    notes: dict[str, str] = _find(objs, "Deployment", app)["spec"]["template"]["metadata"][
        "annotations"
    ]
    return notes


def _app_container(objs: list[Obj], app: str) -> Obj:
    containers: list[Obj] = _find(objs, "Deployment", app)["spec"]["template"]["spec"]["containers"]
    return containers[0]


def _set(path: Callable[[list[Obj]], Any], key: str, value: Any) -> Callable[[list[Obj]], None]:
    def mutate(objs: list[Obj]) -> None:
        path(objs)[key] = value

    return mutate


def _drop_secret_from_role(objs: list[Obj]) -> None:
    _find(objs, "Role", "ai-service-secrets")["rules"][0]["resourceNames"].remove("redis-password")


def _widen_policy_namespace(objs: list[Obj]) -> None:
    _find(objs, "Configuration", "ai-service")["spec"]["accessControl"]["policies"][0][
        "namespace"
    ] = "default"


def _add_scope(objs: list[Obj]) -> None:
    _find(objs, "Component", "smtp")["scopes"].append("mailer")


def _drop_configuration(objs: list[Obj]) -> None:
    objs.remove(_find(objs, "Configuration", "notification-service"))


MUTATIONS: dict[str, tuple[Callable[[list[Obj]], None], str]] = {
    "app-port differs from the container port": (
        _set(lambda o: _annotations(o, "backend"), "dapr.io/app-port", "8080"),
        "ports disagree",
    ),
    "containerPort differs": (
        lambda o: _app_container(o, "ai-service")["ports"][0].update(containerPort=8080),
        "ports disagree",
    ),
    "config names no Configuration": (
        _set(lambda o: _annotations(o, "backend"), "dapr.io/config", "backend-typo"),
        "names no Configuration",
    ),
    "Configuration deleted": (_drop_configuration, "names no Configuration"),
    "a scope names no app": (_add_scope, "scope 'mailer' is no app-id"),
    "an annotation Dapr does not read": (
        _set(lambda o: _annotations(o, "backend"), "dapr.io/app-prot", "8000"),
        "not an annotation",
    ),
    "unknown field in a Deployment (strict schema)": (
        _set(lambda o: _find(o, "Deployment", "backend")["spec"], "replica", 2),
        "replica",
    ),
    "wrong type in a Service": (
        lambda o: _find(o, "Service", "backend")["spec"]["ports"][0].update(port="eighty"),
        "'eighty'",
    ),
    "unknown field in a Component (Dapr CRD)": (
        _set(lambda o: _find(o, "Component", "pubsub")["spec"], "metdata", []),
        "metdata",
    ),
    "Component without its type (Dapr CRD)": (
        lambda o: _find(o, "Component", "pubsub")["spec"].pop("type"),
        "'type' is a required property",
    ),
    "unknown field in a Configuration (Dapr CRD)": (
        _set(lambda o: _find(o, "Configuration", "backend")["spec"], "acessControl", {}),
        "acessControl",
    ),
    "access policy differs from the local one": (_widen_policy_namespace, "accessControl differs"),
    "writable root filesystem": (
        lambda o: _app_container(o, "backend")["securityContext"].pop("readOnlyRootFilesystem"),
        "no readOnlyRootFilesystem",
    ),
    "sidecar cannot read a component's secret": (
        _drop_secret_from_role,
        "may not read Secret redis-password",
    ),
    "readiness on a path the app does not serve": (
        lambda o: _app_container(o, "ai-service")["readinessProbe"]["httpGet"].update(
            path="/ready"
        ),
        "readiness probe /ready is not a route",
    ),
    "replicas beside the autoscaler": (
        _set(lambda o: _find(o, "Deployment", "backend")["spec"], "replicas", 3),
        "sets replicas beside HorizontalPodAutoscaler/backend",
    ),
    "pods not spread over nodes": (
        lambda o: _find(o, "Deployment", "notification-service")["spec"]["template"]["spec"].pop(
            "topologySpreadConstraints"
        ),
        "not spread over kubernetes.io/hostname",
    ),
    "more connections than PostgreSQL takes": (
        lambda o: _find(o, "ConfigMap", "todo-infra")["data"].update(POSTGRES_POOL_SIZE="40"),
        "PostgreSQL connections: backend 2 x 40",
    ),
    "wrong namespace": (
        lambda o: _find(o, "Component", "statestore")["metadata"].update(namespace="default"),
        "namespace default",
    ),
}


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_a_broken_manifest_fails_validation(rendered: dict[str, list[Obj]], mutation: str) -> None:
    mutate, expected = MUTATIONS[mutation]
    objs = copy.deepcopy(rendered["dev"])
    mutate(objs)
    errors = k8s.check_objects(objs, "dev")
    assert any(expected in e for e in errors), errors


def test_prod_images_must_be_pinned_by_digest(rendered: dict[str, list[Obj]]) -> None:
    objs = copy.deepcopy(rendered["prod"])
    _app_container(objs, "backend")["image"] = "registry.example.com/todo/backend:latest"
    assert any("not pinned by digest" in e for e in k8s.check_objects(objs, "prod"))


def test_the_cli_exits_non_zero_on_a_broken_rendered_manifest(
    rendered: dict[str, list[Obj]], tmp_path: Path
) -> None:
    objs = copy.deepcopy(rendered["dev"])
    _annotations(objs, "notification-service")["dapr.io/app-port"] = "9999"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump_all(objs))
    result = subprocess.run(
        [sys.executable, "-m", "deploycheck.cli", "k8s", "--rendered", str(broken)],
        capture_output=True,
        text=True,
        cwd=root(),
    )
    assert result.returncode == 1, result.stdout
    assert "dapr.io/app-port 9999" in result.stdout
