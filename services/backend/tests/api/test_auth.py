"""Register, log in, me: the answers and the errors."""

import json
import threading
import time
import uuid

import jwt
import pytest

from backend.core import security
from backend.core.security import AUDIENCE, ISSUER
from devstack.testing import RunningStack

from .conftest import JWT_KEY, Api, query


def test_register_login_me(api: Api) -> None:
    email = f"Ada.{uuid.uuid4().hex[:6]}@Example.com"
    answer = api.client.post(
        "/api/auth/register",
        json={
            "email": email,
            "password": "s3cret-enough",
            "display_name": "Ada",
            "timezone": "Europe/Paris",
        },
    )
    assert answer.status_code == 201, answer.text
    user = answer.json()
    assert user["email"] == email.lower() and user["display_name"] == "Ada"
    assert "password" not in answer.text and "hash" not in answer.text
    login = api.client.post("/api/auth/login", json={"email": email, "password": "s3cret-enough"})
    assert login.status_code == 200
    body = login.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    me = api.client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == user["id"]


def test_taken_email_is_409(api: Api) -> None:
    user = api.register()
    again = api.client.post(
        "/api/auth/register", json={"email": user["email"].upper(), "password": "another-password"}
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "this email is already registered"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": "long enough"},
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com", "password": "long enough", "timezone": "Mars/Olympus"},
        {"email": "a@example.com", "password": "long enough", "admin": True},
        {"email": "a@example.com", "password": "x" * 10_000},
        {"email": "a@example.com"},
    ],
)
def test_bad_registrations_are_422(api: Api, body: dict[str, object]) -> None:
    answer = api.client.post("/api/auth/register", json=body)
    assert answer.status_code == 422
    assert answer.json()["detail"]


def test_login_failures_do_not_say_which_part_was_wrong(api: Api) -> None:
    user = api.register()
    wrong_password = api.client.post(
        "/api/auth/login", json={"email": user["email"], "password": "wrong password"}
    )
    unknown_email = api.client.post(
        "/api/auth/login", json={"email": "nobody@example.com", "password": "wrong password"}
    )
    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json() == {"detail": "wrong email or password"}


def _token(sub: str, **overrides: object) -> str:
    now = int(time.time())
    claims = {"sub": sub, "iat": now, "exp": now + 600, "iss": ISSUER, "aud": AUDIENCE, **overrides}
    return jwt.encode(claims, JWT_KEY, algorithm="HS256")


def test_bad_tokens_are_401(api: Api) -> None:
    user = api.register()
    expired = _token(user["id"], exp=int(time.time()) - 10)
    tampered = _token(user["id"])[:-2] + "xx"
    wrong_key = jwt.encode(
        {
            "sub": user["id"],
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "iss": ISSUER,
            "aud": AUDIENCE,
        },
        "another-key-of-enough-length-0123456789",
        algorithm="HS256",
    )
    unsigned = jwt.encode(
        {
            "sub": user["id"],
            "exp": int(time.time()) + 60,
            "iat": int(time.time()),
            "iss": ISSUER,
            "aud": AUDIENCE,
        },
        None,
        algorithm="none",
    )
    unknown_user = _token(str(uuid.uuid4()))
    assert (
        api.client.get(
            "/api/me", headers={"Authorization": f"Bearer {_token(user['id'])}"}
        ).status_code
        == 200
    )
    for token in (expired, tampered, wrong_key, unsigned, unknown_user, "garbage"):
        answer = api.client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 401, token
        assert answer.headers["www-authenticate"] == "Bearer"
    assert api.client.get("/api/me").status_code == 401
    # A create does not read the user (issue #16): the foreign key refuses an unknown one, and
    # a dated task (whose reminder needs the user's preferences) reads it and refuses too.
    for body in ({"title": "t"}, {"title": "t", "due_at": "2030-01-01T09:00:00Z"}):
        answer = api.client.post(
            "/api/tasks", json=body, headers={"Authorization": f"Bearer {unknown_user}"}
        )
        assert answer.status_code == 401, (body, answer.text)
        assert answer.headers["www-authenticate"] == "Bearer"


def test_register_writes_a_user_registered_event_to_the_outbox(
    api: Api, running_stack: RunningStack, api_database: str
) -> None:
    user = api.register()
    rows = query(
        running_stack,
        api_database,
        f"SELECT topic, partition_key, payload FROM outbox WHERE partition_key = '{user['id']}'",
    )
    assert [(r[0], r[1]) for r in rows] == [("user.registered", user["id"])]
    payload = json.loads(rows[0][2])
    assert payload["userId"] == user["id"] and payload["email"] == user["email"]
    assert payload["schemaVersion"] == 1 and payload["registeredAt"].endswith("Z")
    assert payload["channels"] == ["in-app"]


def test_channels_chosen_at_registration_are_announced_and_are_the_default_preferences(
    api: Api, running_stack: RunningStack, api_database: str
) -> None:
    email = f"{uuid.uuid4().hex[:8]}@example.com"
    answer = api.client.post(
        "/api/auth/register",
        json={"email": email, "password": "correct horse battery", "channels": ["in-app", "email"]},
    )
    assert answer.status_code == 201 and answer.json()["channels"] == ["in-app", "email"]
    user = answer.json()
    rows = query(
        running_stack,
        api_database,
        f"SELECT payload FROM outbox WHERE partition_key = '{user['id']}'",
    )
    assert json.loads(rows[0][0])["channels"] == ["in-app", "email"]
    api.sidecar.get(f"/v1.0/state/statestore/prefs-{user['id']}").respond(204)
    prefs = api.client.get("/api/me/preferences", headers=api.login(email)).json()
    assert prefs["channels"] == ["in-app", "email"]


@pytest.mark.parametrize("channels", [[], ["sms"], ["email", "email"]])
def test_bad_channels_are_refused(api: Api, channels: list[str]) -> None:
    body = {"email": "x@example.com", "password": "correct horse battery", "channels": channels}
    assert api.client.post("/api/auth/register", json=body).status_code == 422


def test_a_password_check_does_not_stall_the_event_loop(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """argon2 is slow on purpose (issue #15, fault 7): while one login's password is being
    checked, the same app still answers its health probe. The check is made to hold for 2 s
    and the probe is sent while it holds: it must be answered before the check ends (on the
    event loop it could only be answered after)."""
    user = api.register()
    checking = threading.Event()
    moments: dict[str, float] = {}
    real = security._hasher

    class SlowHasher:
        def verify(self, password_hash: str, password: str) -> bool:
            checking.set()
            time.sleep(2)
            moments["check ended"] = time.monotonic()
            return real.verify(password_hash, password)

    monkeypatch.setattr(security, "_hasher", SlowHasher())
    login = threading.Thread(
        target=api.client.post,
        args=("/api/auth/login",),
        kwargs={"json": {"email": user["email"], "password": "nope-x"}},
    )
    login.start()
    assert checking.wait(10)
    assert api.client.get("/healthz").status_code == 200
    moments["probe answered"] = time.monotonic()
    login.join(10)
    assert moments["probe answered"] < moments["check ended"], moments


def test_a_login_burst_checks_two_passwords_at_a_time(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each check takes 64 MiB: a burst across accounts waits its turn on two threads instead
    of taking a thread (and 64 MiB) per login."""
    users = [api.register() for _ in range(6)]
    real = security._hasher
    lock = threading.Lock()
    running = [0]
    most = [0]

    class CountingHasher:
        def verify(self, password_hash: str, password: str) -> bool:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.3)
            with lock:
                running[0] -= 1
            return real.verify(password_hash, password)

    monkeypatch.setattr(security, "_hasher", CountingHasher())
    logins = [
        threading.Thread(
            target=api.client.post,
            args=("/api/auth/login",),
            kwargs={"json": {"email": u["email"], "password": "nope-x"}},
        )
        for u in users
    ]
    for t in logins:
        t.start()
    for t in logins:
        t.join(30)
    assert most[0] == 2, most
