import pytest

from dapr_common import BulkEntry, BulkPublishFailed, DaprClient, DaprError
from dapr_common.testing import FakeSidecar


async def test_publish_sets_event_id_type_and_partition_key(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    route = sidecar.post("/v1.0/publish/pubsub/task.created").respond(204)
    await dapr.pubsub.publish(
        "task.created",
        {"id": 1},
        event_id="outbox-9",
        event_type="task.created",
        partition_key="u1",
    )
    request = route.last
    assert request.json() == {"id": 1}
    assert request.headers["content-type"] == "application/json"
    assert dict(request.query) == {
        "metadata.cloudevent.id": "outbox-9",
        "metadata.cloudevent.type": "task.created",
        "metadata.partitionKey": "u1",
    }


async def test_publish_a_whole_cloudevent(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.post("/v1.0/publish/other/t").respond(204)
    event = {"specversion": "1.0", "id": "e1", "source": "s", "type": "t", "data": {"a": 1}}
    await dapr.pubsub.publish(
        "t", event, content_type="application/cloudevents+json", pubsub="other"
    )
    request = route.last
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert request.json() == event


async def test_publish_failure_raises(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.post("/v1.0/publish/pubsub/t").respond(
        404, json={"errorCode": "ERR_PUBSUB_NOT_FOUND", "message": "pubsub pubsub not found"}
    )
    with pytest.raises(DaprError) as caught:
        await dapr.pubsub.publish("t", {})
    assert caught.value.error_code == "ERR_PUBSUB_NOT_FOUND"


async def test_bulk_publish_body(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.post("/v1.0-alpha1/publish/bulk/pubsub/t").respond(204)
    await dapr.pubsub.publish_bulk(
        "t", [BulkEntry("1", {"a": 1}), BulkEntry("2", "x", "text/plain", {"partitionKey": "k"})]
    )
    assert route.last.json() == [
        {"entryId": "1", "event": {"a": 1}, "contentType": "application/json"},
        {
            "entryId": "2",
            "event": "x",
            "contentType": "text/plain",
            "metadata": {"partitionKey": "k"},
        },
    ]


async def test_bulk_publish_names_the_failed_entries(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.post("/v1.0-alpha1/publish/bulk/pubsub/t").respond(
        500,
        json={
            "failedEntries": [{"entryId": "2", "error": "broker down"}],
            "errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE",
        },
    )
    with pytest.raises(BulkPublishFailed) as caught:
        await dapr.pubsub.publish_bulk("t", [BulkEntry("1", 1), BulkEntry("2", 2)])
    assert caught.value.failed == ["2"]


async def test_bulk_publish_of_nothing_makes_no_call(dapr: DaprClient) -> None:
    await dapr.pubsub.publish_bulk("t", [])
