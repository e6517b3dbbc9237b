"""The policy files say exactly what components/access-matrix.yaml says: access control per
callee, secret scopes per app, component scopes, locally and in Kubernetes."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI

from devstack.access_matrix import AccessMatrix, covered

ROOT = Path(__file__).resolve().parents[2]
MATRIX = AccessMatrix.load()


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def configurations() -> list[tuple[str, str, Path]]:
    out = []
    for app in MATRIX.apps:
        out.append((app, "local", ROOT / "components" / "config" / f"{app}.yaml"))
        out.append((app, "k8s", ROOT / "k8s" / "base" / "dapr" / f"configuration-{app}.yaml"))
    return out


@pytest.mark.parametrize(("app", "where", "path"), configurations())
def test_configuration_enforces_the_matrix(app: str, where: str, path: Path) -> None:
    spec = load(path)["spec"]
    assert spec["accessControl"] == MATRIX.access_control(app, where)
    assert spec["secrets"]["scopes"] == MATRIX.secret_scopes(app)
    for policy in spec["accessControl"].get("policies", []):
        assert policy["namespace"] and policy["trustDomain"]
        for op in policy["operations"]:
            assert all(v == v.upper() for v in op["httpVerb"])


def component_files() -> list[tuple[str, Path]]:
    out = []
    for name in MATRIX.component_scopes():
        out.append((name, ROOT / "components" / f"{name}.yaml"))
        out.append((name, ROOT / "k8s" / "base" / "dapr" / f"component-{name}.yaml"))
    return out


@pytest.mark.parametrize(("name", "path"), component_files())
def test_component_scopes(name: str, path: Path) -> None:
    assert load(path)["scopes"] == MATRIX.component_scopes()[name]


def test_every_component_is_in_the_matrix() -> None:
    local = {
        load(p)["metadata"]["name"]
        for p in (ROOT / "components").glob("*.yaml")
        if load(p).get("kind") == "Component"
    }
    assert local == set(MATRIX.component_scopes())


def apps() -> dict[str, FastAPI]:
    from ai_service.main import create_app as ai
    from backend.main import create_app as backend
    from notification_service.main import create_app as notification

    return {"backend": backend(), "notification-service": notification(), "ai-service": ai()}


def templates(app: FastAPI) -> list[tuple[str, str]]:
    """Every (verb, path template) the app serves, from its OpenAPI document (which lists
    the subscription and job routes too; FastAPI includes routers lazily)."""
    paths: dict[str, dict[str, Any]] = app.openapi()["paths"]
    return sorted((verb.upper(), path) for path, ops in paths.items() for verb in ops)


def routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (verb, path) the app serves, placeholders filled with a UUID."""
    out = []
    for verb, template in templates(app):
        path = "/".join(
            "3f1c2a9e-0000-4000-8000-00000000abcd" if p.startswith("{") else p
            for p in template.split("/")
        )
        out.append((verb, path))
    return out


def test_operations_cover_the_allowed_calls_and_no_other_route() -> None:
    served = {app_id: routes(app) for app_id, app in apps().items()}
    for i in MATRIX.invocations:
        ops = MATRIX.operations(i.callee).get(i.caller, [])
        assert covered(ops, i.verb, i.sample_path()), f"{i} is not let through"
        assert (i.verb, i.sample_path()) in served[i.callee], f"{i}: no such route"
    for callee, callee_routes in served.items():
        for caller, ops in MATRIX.operations(callee).items():
            for verb, path in callee_routes:
                if covered(ops, verb, path):
                    assert MATRIX.allowed(caller, callee, verb, path), (
                        f"{callee}'s policy lets {caller} call {verb} {path}, the matrix does not"
                    )


def test_the_coverage_rule_matches_dapr_prefix_semantics() -> None:
    ops = [{"name": "/users/*-*-*-*-*/notifications", "verbs": ["GET"]}]
    uid = "3f1c2a9e-0000-4000-8000-00000000abcd"
    assert covered(ops, "GET", f"/users/{uid}/notifications")
    assert covered(ops, "GET", f"/users/{uid}/notifications/x/read")  # prefix
    assert not covered(ops, "POST", f"/users/{uid}/notifications")
    assert not covered(ops, "GET", "/users/not-a-uuid/notifications")
    assert not covered(ops, "GET", "/send")
