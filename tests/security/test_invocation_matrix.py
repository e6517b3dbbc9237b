"""The access matrix, proved cell by cell on the real stack with sentry and mTLS on: every
(caller, callee, method) the matrix allows answers 2xx through the caller's sidecar; every
other one, including every route of every app from an app-id outside the matrix, is refused
by the callee's sidecar with 403 ERR_DIRECT_INVOKE before it reaches the app."""

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from devstack.access_matrix import AccessMatrix
from devstack.testing import ExtraApp, RunningStack, extra_app

from .test_policy_files import apps, templates

pytestmark = pytest.mark.integration
MATRIX = AccessMatrix.load()
OUTSIDER = "outsider"


@pytest.fixture(scope="module")
def outsider(running_stack: RunningStack) -> Iterator[ExtraApp]:
    """An app with a valid mTLS identity (sentry signed it) that no policy names."""
    with extra_app(running_stack.stack, OUTSIDER, FastAPI()) as app:
        yield app


def fill(template: str, values: dict[str, str]) -> str:
    parts = []
    for part in template.split("/"):
        parts.append(
            values.get(part.strip("{}"), str(uuid.uuid4())) if part.startswith("{") else part
        )
    return "/".join(parts)


def body_for(callee: str, verb: str, template: str, user_id: str) -> Any:
    if (callee, template) == ("notification-service", "/send"):
        return {"userId": user_id, "type": "custom", "title": "matrix check"}
    if (callee, template) == ("ai-service", "/get-recommendations"):
        return {"userId": user_id, "tasks": []}
    return {} if verb in ("POST", "PUT", "PATCH") else None


@dataclass(frozen=True)
class Cell:
    """One (caller, callee, route) call through the caller's sidecar and what it answered."""

    caller: str
    callee: str
    verb: str
    template: str
    allowed: bool
    status: int
    ok: bool  # allowed → 2xx; else refused by the callee's sidecar
    text: str


def walk(sidecars: Mapping[str, httpx.Client]) -> list[Cell]:
    """Every cell from each caller in `sidecars` (app-id → a client of its sidecar's HTTP API)
    to every route of the three apps; an app calling itself crosses no identity boundary (see
    README) and is skipped. The allowed calls go first, /send first of all: its answer names a
    real notification for the routes that take one."""
    user_id = str(uuid.uuid4())
    values = {"user_id": user_id}
    served = {app_id: templates(app) for app_id, app in apps().items()}
    order = sorted(
        ((caller, callee, verb, t) for caller in sidecars for callee in served
         if caller != callee for verb, t in served[callee]),
        key=lambda c: (not MATRIX.allowed(*c), c[3] != "/send"),
    )  # fmt: skip
    cells = []
    for caller, callee, verb, template in order:
        allowed = MATRIX.allowed(caller, callee, verb, template)
        path = fill(template, values)
        answer = sidecars[caller].request(
            verb, f"/v1.0/invoke/{callee}/method{path}",
            json=body_for(callee, verb, template, user_id),
        )  # fmt: skip
        if allowed and template == "/send" and answer.is_success:
            values["notification_id"] = answer.json()["id"]
        ok = answer.is_success if allowed else _refused(answer)
        text = f"{caller} → {callee} {verb} {path}: {answer.status_code} {answer.text[:200]}"
        cells.append(Cell(caller, callee, verb, template, allowed, answer.status_code, ok, text))
    return cells


def test_every_cell_of_the_matrix(
    running_stack: RunningStack,
    outsider: ExtraApp,
    matrix_rows: list[tuple[str, str, str, str, str, int, str]],
) -> None:
    sidecars = {app_id: running_stack.sidecar(app_id) for app_id in MATRIX.apps}
    sidecars[OUTSIDER] = outsider.sidecar()
    try:
        cells = walk(sidecars)
    finally:
        for client in sidecars.values():
            client.close()
    matrix_rows.extend(
        (c.caller, c.callee, c.verb, c.template, "allow" if c.allowed else "deny", c.status,
         "ok" if c.ok else "WRONG")
        for c in cells
    )  # fmt: skip
    assert sum(c.allowed for c in cells) == len(MATRIX.invocations)
    assert len(cells) > 100, len(cells)
    assert not [c for c in cells if not c.ok], "\n".join(c.text for c in cells if not c.ok)


def _refused(answer: httpx.Response) -> bool:
    """The callee's sidecar said no: 403, ERR_DIRECT_INVOKE, gRPC PermissionDenied."""
    if answer.status_code != 403:
        return False
    try:
        code = answer.json().get("errorCode", "")
    except ValueError:
        return False
    return bool(code == "ERR_DIRECT_INVOKE" and "PermissionDenied" in answer.text)
