"""Pub/sub: Kafka through the sidecars, CloudEvent ids kept, RETRY redelivered."""

import uuid

from devstack.testing import RunningStack
from tests.smoke.probe_app import Probe


def test_event_published_by_backend_reaches_another_apps_handler(
    running_stack: RunningStack, probe: Probe
) -> None:
    event_id = str(uuid.uuid4())
    with running_stack.sidecar("backend") as dapr:
        published = dapr.post(
            f"/v1.0/publish/pubsub/{probe.topic_prefix}.events",
            params={"metadata.cloudevent.id": event_id, "metadata.partitionKey": "user-1"},
            json={"task_id": 42, "title": "smoke"},
        )
    assert published.status_code == 204, published.text
    inbox = probe.inbox
    assert inbox.wait_for(lambda: any(e["id"] == event_id for e in inbox.events.get("ok", [])), 60)
    event = next(e for e in inbox.events["ok"] if e["id"] == event_id)
    assert event["data"] == {"task_id": 42, "title": "smoke"}
    assert event["source"] == "backend"
    assert event["topic"] == f"{probe.topic_prefix}.events"
    assert inbox.bad_tokens == 0


def test_handler_answering_retry_gets_the_message_again(
    running_stack: RunningStack, probe: Probe
) -> None:
    event_id = str(uuid.uuid4())
    with running_stack.sidecar("backend") as dapr:
        published = dapr.post(
            f"/v1.0/publish/pubsub/{probe.topic_prefix}.retry",
            params={"metadata.cloudevent.id": event_id},
            json={"attempt": "any"},
        )
    assert published.status_code == 204, published.text
    inbox = probe.inbox

    def delivered_twice() -> bool:
        return sum(e["id"] == event_id for e in inbox.events.get("retry", [])) >= 2

    assert inbox.wait_for(delivered_twice, 60), inbox.events.get("retry")
