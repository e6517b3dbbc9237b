"""The outbox relay publishes each committed event once, with its row id as CloudEvent id,
in bulk (one call per topic per batch), retrying what Kafka refused."""

import time
from typing import Any

from dapr_common.testing import Recorded
from devstack.testing import RunningStack

from .conftest import Api, query

BULK = "/v1.0-alpha1/publish/bulk/pubsub/user.registered"


def wait_until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def entries(calls: list[Recorded], user_ids: tuple[str, ...]) -> list[dict[str, Any]]:
    """The bulk entries of these users, in the order they were sent."""
    return [
        e for c in calls for e in c.json() if e.get("metadata", {}).get("partitionKey") in user_ids
    ]


def test_registered_user_event_is_published_with_row_id_and_user_key(
    api: Api, running_stack: RunningStack, api_database: str
) -> None:
    user = api.register()
    route = api.sidecar.post(BULK)
    wait_until(lambda: entries(route.calls, (user["id"],)))
    (row,) = query(
        running_stack,
        api_database,
        f"SELECT id FROM outbox WHERE partition_key = '{user['id']}'",
    )
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
    (entry,) = entries(route.calls, (user["id"],))  # once
    assert entry["entryId"] == row[0]
    assert entry["contentType"] == "application/cloudevents+json"
    event = entry["event"]
    assert event["id"] == row[0] and event["type"] == "user.registered"
    assert event["source"] == "backend" and event["data"]["userId"] == user["id"]


def test_a_refused_publish_is_retried_and_nothing_is_lost_or_doubled(
    api: Api, running_stack: RunningStack, api_database: str
) -> None:
    route = api.sidecar.post(BULK)
    route.clear().respond(
        500, json={"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "message": "kafka down"}
    )
    route.respond(500, json={"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "message": "kafka down"})
    route.respond(204)
    first = api.register()
    wait_until(lambda: len(entries(route.calls, (first["id"],))) >= 3, timeout=20)
    (attempts,) = query(
        running_stack,
        api_database,
        f"SELECT attempts FROM outbox WHERE partition_key = '{first['id']}'",
    )
    # Kafka down (a whole call's 5xx) is an outage, not the row's refusal: the relay backed
    # off and retried, the row's own count did not move (it is never parked for an outage)
    assert attempts == ["0"]
    second = api.register()
    wait_until(lambda: entries(route.calls, (second["id"],)), timeout=20)
    time.sleep(1.5)  # a poll or two: nothing sent again
    sent = entries(route.calls, (first["id"], second["id"]))
    assert [e["metadata"]["partitionKey"] for e in sent] == [first["id"]] * 3 + [second["id"]]
