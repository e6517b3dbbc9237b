"""The outbox relay publishes each committed event once, with its row id as CloudEvent id."""

import time

from devstack.testing import RunningStack

from .conftest import Api, query


def wait_until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_registered_user_event_is_published_with_row_id_and_user_key(
    api: Api, running_stack: RunningStack, api_database: str
) -> None:
    user = api.register()
    route = api.sidecar.post("/v1.0/publish/pubsub/user.registered")
    wait_until(lambda: any(c.query.get("metadata.partitionKey") == user["id"] for c in route.calls))
    call = next(c for c in route.calls if c.query.get("metadata.partitionKey") == user["id"])
    (row,) = query(
        running_stack,
        api_database,
        f"SELECT id, sent_at IS NOT NULL FROM outbox WHERE partition_key = '{user['id']}'",
    )
    assert call.query["metadata.cloudevent.id"] == row[0]
    assert call.query["metadata.cloudevent.type"] == "user.registered"
    assert call.json()["userId"] == user["id"]
    wait_until(
        lambda: (
            query(
                running_stack,
                api_database,
                f"SELECT sent_at IS NOT NULL FROM outbox WHERE id = '{row[0]}'",
            )
            == [["t"]]
        )
    )
    published = [c for c in route.calls if c.query["metadata.cloudevent.id"] == row[0]]
    assert len(published) == 1


def test_a_refused_publish_is_retried_and_nothing_overtakes_it(
    api: Api, running_stack: RunningStack, api_database: str
) -> None:
    route = api.sidecar.post("/v1.0/publish/pubsub/user.registered")
    route.clear().respond(
        500, json={"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "message": "kafka down"}
    )
    route.respond(500, json={"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "message": "kafka down"})
    route.respond(204)
    first, second = api.register(), api.register()
    wait_until(
        lambda: (
            sum(
                c.query.get("metadata.partitionKey") in (first["id"], second["id"])
                for c in route.calls
            )
            >= 4
        ),
        timeout=20,
    )
    keys = [
        c.query["metadata.partitionKey"]
        for c in route.calls
        if c.query.get("metadata.partitionKey") in (first["id"], second["id"])
    ]
    # The first user's event is tried until accepted; the second's only after it.
    assert keys[:3] == [first["id"]] * 3 and keys[3] == second["id"]
    (attempts,) = query(
        running_stack,
        api_database,
        f"SELECT attempts FROM outbox WHERE partition_key = '{first['id']}'",
    )
    assert attempts == ["2"]
