"""State building block: Redis through the sidecar, with TTLs and ETags."""

import time
import uuid

from devstack.testing import RunningStack


def test_save_get_etag_conflict_delete(running_stack: RunningStack) -> None:
    key = f"smoke-{uuid.uuid4().hex}"
    with running_stack.sidecar("backend") as dapr:
        saved = dapr.post("/v1.0/state/statestore", json=[{"key": key, "value": {"n": 1}}])
        assert saved.status_code == 204
        got = dapr.get(f"/v1.0/state/statestore/{key}")
        assert got.status_code == 200 and got.json() == {"n": 1}
        etag = got.headers["etag"]

        stale = [
            {
                "key": key,
                "value": {"n": 2},
                "etag": "999999",
                "options": {"concurrency": "first-write"},
            }
        ]
        assert dapr.post("/v1.0/state/statestore", json=stale).status_code == 409
        fresh = [
            {"key": key, "value": {"n": 2}, "etag": etag, "options": {"concurrency": "first-write"}}
        ]
        assert dapr.post("/v1.0/state/statestore", json=fresh).status_code == 204
        assert dapr.get(f"/v1.0/state/statestore/{key}").json() == {"n": 2}

        assert dapr.delete(f"/v1.0/state/statestore/{key}").status_code == 204
        assert dapr.get(f"/v1.0/state/statestore/{key}").status_code == 204  # gone: empty answer


def test_item_expires_after_its_ttl(running_stack: RunningStack) -> None:
    key = f"smoke-ttl-{uuid.uuid4().hex}"
    with running_stack.sidecar("backend") as dapr:
        item = {"key": key, "value": "short-lived", "metadata": {"ttlInSeconds": "2"}}
        assert dapr.post("/v1.0/state/statestore", json=[item]).status_code == 204
        got = dapr.get(f"/v1.0/state/statestore/{key}")
        assert got.status_code == 200 and got.json() == "short-lived"
        deadline = time.monotonic() + 15
        while dapr.get(f"/v1.0/state/statestore/{key}").status_code != 204:
            assert time.monotonic() < deadline, "item outlived its 2 s TTL by 13 s"
            time.sleep(0.25)


def test_state_is_per_app(running_stack: RunningStack) -> None:
    """Dapr prefixes keys with the app-id: one app cannot read another's state by key."""
    key = f"smoke-own-{uuid.uuid4().hex}"
    with running_stack.sidecar("backend") as backend, running_stack.sidecar("ai-service") as ai:
        assert (
            backend.post("/v1.0/state/statestore", json=[{"key": key, "value": 1}]).status_code
            == 204
        )
        assert ai.get(f"/v1.0/state/statestore/{key}").status_code == 204
