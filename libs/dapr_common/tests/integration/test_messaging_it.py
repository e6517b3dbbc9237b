"""Pub/sub and jobs through real sidecars into dapr_common's FastAPI glue."""

import uuid

from dapr_common import BulkEntry, DaprClient

from .conftest import LibApp


async def test_published_event_reaches_the_typed_handler(own: DaprClient, lib_app: LibApp) -> None:
    event_id = str(uuid.uuid4())
    await own.pubsub.publish(
        f"{lib_app.prefix}.notes",
        {"n": 1, "text": "hi"},
        event_id=event_id,
        event_type="note.created",
        partition_key="u1",
    )
    await lib_app.received.wait_for("notes")
    event = next(e for e in lib_app.received.get("notes") if e.id == event_id)
    assert event.data.n == 1 and event.data.text == "hi"
    assert event.type == "note.created" and event.source == "lib-probe"


async def test_bulk_publish_delivers_every_entry(own: DaprClient, lib_app: LibApp) -> None:
    before = len(lib_app.received.get("notes"))
    entries = [BulkEntry(str(i), {"n": 100 + i}) for i in range(5)]
    await own.pubsub.publish_bulk(f"{lib_app.prefix}.notes", entries)
    got = await lib_app.received.wait_for("notes", before + 5)
    assert {e.data.n for e in got} >= {100, 101, 102, 103, 104}


async def test_bulk_subscription_delivers_batches_to_the_handler(
    own: DaprClient, lib_app: LibApp
) -> None:
    entries = [BulkEntry(str(i), {"n": i}) for i in range(30)]
    await own.pubsub.publish_bulk(f"{lib_app.prefix}.batch", entries)
    got = await lib_app.received.wait_for("batch", 30)
    assert sorted(got) == list(range(30))


async def test_retry_gets_the_event_again(own: DaprClient, lib_app: LibApp) -> None:
    event_id = str(uuid.uuid4())
    await own.pubsub.publish(f"{lib_app.prefix}.flaky", {"n": 2}, event_id=event_id)
    await lib_app.received.wait_for("flaky", 2)
    assert lib_app.received.get("flaky").count(event_id) >= 2


async def test_dropped_event_reaches_the_dead_letter_topic(
    own: DaprClient, lib_app: LibApp
) -> None:
    event_id = str(uuid.uuid4())
    await own.pubsub.publish(f"{lib_app.prefix}.poison", {"n": 3}, event_id=event_id)
    await lib_app.received.wait_until("dead-letters", lambda d: any(e.id == event_id for e in d))
    assert lib_app.received.get("poison").count(event_id) == 1  # dropped, not retried


async def test_undecodable_event_reaches_the_dead_letter_topic(
    own: DaprClient, lib_app: LibApp
) -> None:
    event_id = str(uuid.uuid4())
    await own.pubsub.publish(f"{lib_app.prefix}.poison", {"n": "not a number"}, event_id=event_id)
    await lib_app.received.wait_until("dead-letters", lambda d: any(e.id == event_id for e in d))
    assert event_id not in lib_app.received.get("poison")  # the handler never saw it


async def test_job_fires_into_the_job_handler(own: DaprClient, lib_app: LibApp) -> None:
    name = f"{lib_app.prefix}-reminder-{uuid.uuid4().hex[:6]}"
    await own.jobs.schedule(name, due_time="1s", data={"task_id": 9})
    jobs = await lib_app.received.wait_for("jobs")
    assert (name, {"task_id": 9}) in jobs


async def test_job_get_and_delete(own: DaprClient, lib_app: LibApp) -> None:
    name = f"{lib_app.prefix}-reminder-later-{uuid.uuid4().hex[:6]}"
    await own.jobs.schedule(name, schedule="@every 1h", data={"x": 1}, overwrite=True)
    job = await own.jobs.get(name)
    assert job is not None and job.schedule == "@every 1h" and job.data == {"x": 1}
    await own.jobs.delete(name)
    assert await own.jobs.get(name) is None
    await own.jobs.delete(name)  # deleting twice is fine
