"""On the real stack: the app token guards every sidecar-facing route, the Dapr API token
guards every sidecar API, secret scopes hold, and users are kept apart and guarded."""

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest

from devstack.access_matrix import AccessMatrix
from devstack.testing import RunningStack

from .test_policy_files import apps, templates

pytestmark = pytest.mark.integration
MATRIX = AccessMatrix.load()
PUBLIC = {"/healthz", "/readyz"}


def sidecar_facing() -> list[tuple[str, str, str]]:
    """(app, verb, path) of every route only the sidecar may call: all of notification-service
    and ai-service but health, and backend's job and subscription routes."""
    out = []
    for app_id, app in apps().items():
        for verb, template in templates(app):
            if template in PUBLIC or (
                app_id == "backend" and not template.startswith(("/job", "/dapr", "/outbox"))
            ):
                continue
            out.append((app_id, verb, template.replace("{", "").replace("}", "")))
    return out


@pytest.mark.parametrize(("app_id", "verb", "path"), sidecar_facing())
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_sidecar_facing_routes_need_the_app_token(
    running_stack: RunningStack, app_id: str, verb: str, path: str, token: str | None
) -> None:
    headers = {"dapr-api-token": token} if token else {}
    with running_stack.app(app_id) as app:
        answer = app.request(verb, path, headers=headers, json={} if verb == "POST" else None)
    assert answer.status_code == 401, (verb, path, answer.text)


SIDECAR_APIS = [
    ("GET", "/v1.0/metadata"),
    ("GET", "/v1.0/state/statestore/k"),
    ("POST", "/v1.0/state/statestore"),
    ("POST", "/v1.0/publish/pubsub/task.created"),
    ("POST", "/v1.0/invoke/notification-service/method/send"),
    ("GET", "/v1.0/secrets/secretstore/postgres-password"),
    ("GET", "/v1.0-alpha1/jobs/x"),
    ("POST", "/v1.0/bindings/smtp"),
]


@pytest.mark.parametrize("app_id", MATRIX.apps)
def test_sidecar_apis_need_the_dapr_api_token(running_stack: RunningStack, app_id: str) -> None:
    with running_stack.sidecar(app_id, token=False) as dapr:
        for verb, path in SIDECAR_APIS:
            answer = dapr.request(verb, path, json=[] if verb == "POST" else None)
            assert answer.status_code == 401, (verb, path, answer.status_code)
        with_wrong = dapr.get("/v1.0/metadata", headers={"dapr-api-token": "nope"})
        assert with_wrong.status_code == 401
        assert dapr.get("/v1.0/healthz").status_code == 204  # probes stay open


ALL_SECRETS = ["postgres-password", "redis-password", "smtp-password", "jwt-signing-key"]


@pytest.mark.parametrize("app_id", MATRIX.apps)
def test_each_app_reads_only_its_secrets(running_stack: RunningStack, app_id: str) -> None:
    allowed = set(MATRIX.raw["secrets"][app_id])
    with running_stack.sidecar(app_id) as dapr:
        for name in ALL_SECRETS:
            answer = dapr.get(f"/v1.0/secrets/secretstore/{name}")
            if name in allowed:
                assert answer.status_code == 200 and answer.json()[name], (app_id, name)
            else:
                assert answer.status_code == 403, (app_id, name, answer.text)
                assert answer.json()["errorCode"] == "ERR_PERMISSION_DENIED"
        bulk = dapr.get("/v1.0/secrets/secretstore/bulk")
        assert set(bulk.json()) == allowed, (app_id, bulk.text)


def sign_up(
    backend: httpx.Client, password: str = "a-good-password-1"
) -> tuple[str, dict[str, str]]:
    email = f"sec-{uuid.uuid4().hex[:8]}@example.com"
    assert (
        backend.post("/api/auth/register", json={"email": email, "password": password}).status_code
        == 201
    )
    token = backend.post("/api/auth/login", json={"email": email, "password": password}).json()
    return email, {"Authorization": f"Bearer {token['access_token']}"}


def test_users_cannot_touch_each_others_tasks(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        _, alice = sign_up(backend)
        _, mallory = sign_up(backend)
        task = backend.post("/api/tasks", json={"title": "alice's"}, headers=alice).json()
        tid = task["id"]
        nobody = str(uuid.uuid4())
        for verb, path, body in [
            ("GET", "/api/tasks/{}", None),
            ("PATCH", "/api/tasks/{}", {"title": "mine now"}),
            ("POST", "/api/tasks/{}/complete", None),
            ("POST", "/api/tasks/{}/reopen", None),
            ("DELETE", "/api/tasks/{}", None),
        ]:
            answer = backend.request(verb, path.format(tid), json=body, headers=mallory)
            unknown = backend.request(verb, path.format(nobody), json=body, headers=mallory)
            # the same answer as for a task that does not exist: no leak of existence
            assert answer.status_code == unknown.status_code == 404, (verb, path)
            assert answer.json() == unknown.json()
        assert tid not in [
            t["id"] for t in backend.get("/api/tasks", headers=mallory).json()["items"]
        ]
        assert backend.get(f"/api/tasks/{tid}", headers=alice).json()["title"] == "alice's"


def test_notifications_are_per_user(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        _, alice = sign_up(backend)
        _, mallory = sign_up(backend)
        with running_stack.sidecar("backend") as dapr:
            alice_id = backend.get("/api/me", headers=alice).json()["id"]
            sent = dapr.post(
                "/v1.0/invoke/notification-service/method/send",
                json={"userId": alice_id, "type": "custom", "title": "for alice"},
            ).json()
        answer = backend.post(f"/api/me/notifications/{sent['id']}/read", headers=mallory)
        assert answer.status_code == 404
        ids = [
            n["id"] for n in backend.get("/api/me/notifications", headers=mallory).json()["items"]
        ]
        assert sent["id"] not in ids


def test_repeated_failed_logins_are_limited(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        email, _ = sign_up(backend, "the-right-password")
        other, _ = sign_up(backend, "the-right-password")
        for _ in range(5):
            wrong = backend.post("/api/auth/login", json={"email": email, "password": "guess-123"})
            assert wrong.status_code == 401
        locked = backend.post(
            "/api/auth/login", json={"email": email, "password": "the-right-password"}
        )
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        # another account is not affected
        fine = backend.post(
            "/api/auth/login", json={"email": other, "password": "the-right-password"}
        )
        assert fine.status_code == 200


def test_concurrent_wrong_passwords_spend_only_the_budget(running_stack: RunningStack) -> None:
    """500 wrong passwords at once for one account (issue #15, fault 4): each attempt reserves
    its place in the budget atomically before its password is checked, so at most the budget
    (5) is checked and answered 401, every other one is refused 429 unchecked, and the stored
    count holds: the right password is refused too until the window passes."""
    with running_stack.app("backend") as backend:
        email, _ = sign_up(backend, "the-right-password")
    url = running_stack.endpoints["apps"]["backend"]["app_url"]

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=500)
        async with httpx.AsyncClient(base_url=url, timeout=300, limits=limits) as client:
            answers = await asyncio.gather(
                *(
                    client.post("/api/auth/login", json={"email": email, "password": f"guess-{i}"})
                    for i in range(500)
                )
            )
        return [a.status_code for a in answers]

    codes = Counter(asyncio.run(burst()))
    assert set(codes) <= {401, 429}, codes
    assert 1 <= codes[401] <= 5, codes
    with running_stack.app("backend") as backend:
        right = backend.post(
            "/api/auth/login", json={"email": email, "password": "the-right-password"}
        )
    assert right.status_code == 429, right.text


def test_login_failures_do_not_say_which_part_was_wrong(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as backend:
        email, _ = sign_up(backend)
        wrong_password = backend.post(
            "/api/auth/login", json={"email": email, "password": "nope-nope"}
        )
        no_user = backend.post(
            "/api/auth/login",
            json={"email": f"x{uuid.uuid4().hex}@example.com", "password": "nope"},
        )
    assert wrong_password.status_code == no_user.status_code == 401
    assert wrong_password.json() == no_user.json()


def test_passwords_never_reach_a_log_or_an_answer(running_stack: RunningStack) -> None:
    password = f"very-secret-{uuid.uuid4().hex}"
    with running_stack.app("backend") as backend:
        email = f"log-{uuid.uuid4().hex[:8]}@example.com"
        registered = backend.post("/api/auth/register", json={"email": email, "password": password})
        login = backend.post("/api/auth/login", json={"email": email, "password": password})
        failed = backend.post("/api/auth/login", json={"email": email, "password": password + "x"})
        bad = backend.post(
            "/api/auth/register", json={"email": "not-an-email", "password": password}
        )
    for answer in (registered, login, failed, bad):
        assert password not in answer.text
    logs: Any = running_stack.stack.table.logs
    for log in logs.glob("*.log"):
        assert password not in log.read_text(errors="replace"), log.name
