from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel

from dapr_common import BulkSubscribe, CloudEvent, DaprSettings, Drop, Retry, Subscriptions
from dapr_common.deps import provide

TOKEN = {"dapr-api-token": "app-tok"}


class TaskCreated(BaseModel):
    task_id: int
    title: str


def event(data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": "e1",
        "source": "backend",
        "type": "com.dapr.event.sent",
        "specversion": "1.0",
        "topic": "task.created",
        "pubsubname": "pubsub",
        "data": data,
        **extra,
    }


def make_app(subs: Subscriptions) -> TestClient:
    app = FastAPI()
    provide(app, DaprSettings(app_api_token="app-tok"))  # type: ignore[arg-type]
    app.include_router(subs.router)
    return TestClient(app)


def test_subscribe_lists_topics_routes_dead_letters_and_bulk() -> None:
    subs = Subscriptions()

    @subs.topic("task.created", model=TaskCreated, dead_letter_topic="dlq-task-created")
    async def created(e: CloudEvent[TaskCreated]) -> None: ...

    @subs.topic("task.updated", match='event.type == "urgent"')
    async def urgent(e: CloudEvent[dict[str, Any]]) -> None: ...

    @subs.topic("task.updated")
    async def updated(e: CloudEvent[dict[str, Any]]) -> None: ...

    @subs.topic(
        "audit", pubsub="other", bulk=BulkSubscribe(50, 200), metadata={"rawPayload": "false"}
    )
    async def audit(e: CloudEvent[dict[str, Any]]) -> None: ...

    answer = make_app(subs).get("/dapr/subscribe", headers=TOKEN).json()
    assert answer == [
        {
            "pubsubname": "pubsub",
            "topic": "task.created",
            "route": "/dapr/events/pubsub/task.created/0",
            "deadLetterTopic": "dlq-task-created",
        },
        {
            "pubsubname": "pubsub",
            "topic": "task.updated",
            "routes": {
                "rules": [
                    {
                        "match": 'event.type == "urgent"',
                        "path": "/dapr/events/pubsub/task.updated/0",
                    }
                ],
                "default": "/dapr/events/pubsub/task.updated/1",
            },
        },
        {
            "pubsubname": "other",
            "topic": "audit",
            "route": "/dapr/events/other/audit/0",
            "metadata": {"rawPayload": "false"},
            "bulkSubscribe": {"enabled": True, "maxMessagesCount": 50, "maxAwaitDurationMs": 200},
        },
    ]


def test_every_route_requires_the_app_token() -> None:
    subs = Subscriptions()

    @subs.topic("t")
    async def handler(e: CloudEvent[dict[str, Any]]) -> None: ...

    client = make_app(subs)
    assert client.get("/dapr/subscribe").status_code == 401
    assert client.post("/dapr/events/pubsub/t/0", json=event({})).status_code == 401
    assert (
        client.post(
            "/dapr/events/pubsub/t/0", json=event({}), headers={"dapr-api-token": "wrong"}
        ).status_code
        == 401
    )


def test_handler_gets_typed_data_and_success_is_200() -> None:
    subs = Subscriptions()
    seen: list[CloudEvent[TaskCreated]] = []

    @subs.topic("task.created", model=TaskCreated)
    async def created(e: CloudEvent[TaskCreated]) -> None:
        seen.append(e)

    answer = make_app(subs).post(
        "/dapr/events/pubsub/task.created/0",
        json=event({"task_id": 3, "title": "x"}),
        headers=TOKEN,
    )
    assert answer.status_code == 200 and answer.json() == {"status": "SUCCESS"}
    assert seen[0].data == TaskCreated(task_id=3, title="x") and seen[0].id == "e1"


@pytest.mark.parametrize(
    ("raise_", "status_code", "status"),
    [
        (Retry("db busy"), 500, "RETRY"),
        (RuntimeError("bug"), 500, "RETRY"),
        (Drop("bad"), 200, "DROP"),
    ],
)
def test_outcomes_map_to_dapr_answers(raise_: Exception, status_code: int, status: str) -> None:
    subs = Subscriptions()

    @subs.topic("t")
    async def handler(e: CloudEvent[dict[str, Any]]) -> None:
        raise raise_

    answer = make_app(subs).post("/dapr/events/pubsub/t/0", json=event({}), headers=TOKEN)
    assert (answer.status_code, answer.json()) == (status_code, {"status": status})


def test_an_outage_holds_the_delivery_until_the_handler_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The database refuses connections three times: the delivery waits (no RETRY that would
    spend Dapr's retries and dead-letter a good event), the fourth run succeeds."""
    pauses: list[float] = []

    async def no_wait(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr("dapr_common.subscriptions._sleep", no_wait)
    subs = Subscriptions(hold_while=lambda exc: isinstance(exc, ConnectionRefusedError))
    runs: list[int] = []

    @subs.topic("t")
    async def handler(e: CloudEvent[dict[str, Any]]) -> None:
        runs.append(1)
        if len(runs) <= 3:
            raise ConnectionRefusedError("database down")

    answer = make_app(subs).post("/dapr/events/pubsub/t/0", json=event({}), headers=TOKEN)
    assert answer.json() == {"status": "SUCCESS"} and len(runs) == 4
    assert pauses == [1.0, 2.0, 4.0]


def test_only_the_named_outage_is_held() -> None:
    subs = Subscriptions(hold_while=lambda exc: isinstance(exc, ConnectionRefusedError))
    runs: list[int] = []

    @subs.topic("t")
    async def handler(e: CloudEvent[dict[str, Any]]) -> None:
        runs.append(1)
        raise RuntimeError("a bug, not an outage")

    answer = make_app(subs).post("/dapr/events/pubsub/t/0", json=event({}), headers=TOKEN)
    assert (answer.status_code, answer.json(), len(runs)) == (500, {"status": "RETRY"}, 1)


def test_a_hold_ends_after_max_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    """An error wrongly taken for an outage holds its partition for `max_hold`, not for ever."""
    clock = [0.0]

    async def pass_time(seconds: float) -> None:
        clock[0] += seconds

    monkeypatch.setattr("dapr_common.subscriptions._sleep", pass_time)
    monkeypatch.setattr("dapr_common.subscriptions._clock", lambda: clock[0])
    subs = Subscriptions(hold_while=lambda exc: isinstance(exc, OSError), max_hold=60)

    @subs.topic("t")
    async def handler(e: CloudEvent[dict[str, Any]]) -> None:
        raise OSError("never comes back")

    answer = make_app(subs).post("/dapr/events/pubsub/t/0", json=event({}), headers=TOKEN)
    assert (answer.status_code, answer.json()) == (500, {"status": "RETRY"})
    assert 60 < clock[0] <= 75


def test_undecodable_payload_is_dropped_without_calling_the_handler() -> None:
    subs = Subscriptions()
    calls = []

    @subs.topic("task.created", model=TaskCreated)
    async def created(e: CloudEvent[TaskCreated]) -> None:
        calls.append(e)

    client = make_app(subs)
    bad = client.post(
        "/dapr/events/pubsub/task.created/0", json=event({"task_id": "x"}), headers=TOKEN
    )
    not_json = client.post("/dapr/events/pubsub/task.created/0", content=b"{", headers=TOKEN)
    assert bad.json() == {"status": "DROP"} and not_json.json() == {"status": "DROP"}
    assert calls == []


def test_handler_may_take_the_request() -> None:
    subs = Subscriptions()
    paths = []

    @subs.topic("t")
    async def handler(e: CloudEvent[dict[str, Any]], request: Request) -> None:
        paths.append(request.url.path)

    make_app(subs).post("/dapr/events/pubsub/t/0", json=event({}), headers=TOKEN)
    assert paths == ["/dapr/events/pubsub/t/0"]


def test_bulk_delivery_answers_per_entry() -> None:
    subs = Subscriptions()

    @subs.topic("t", model=TaskCreated, bulk=BulkSubscribe())
    async def handler(e: CloudEvent[TaskCreated]) -> None:
        if e.data.task_id == 2:
            raise Retry("later")

    body = {
        "entries": [
            {
                "entryId": "a",
                "event": event({"task_id": 1, "title": "x"}),
                "contentType": "application/cloudevents+json",
            },
            {
                "entryId": "b",
                "event": event({"task_id": 2, "title": "y"}),
                "contentType": "application/cloudevents+json",
            },
            {
                "entryId": "c",
                "event": event({"nope": 1}),
                "contentType": "application/cloudevents+json",
            },
        ]
    }
    answer = make_app(subs).post("/dapr/events/pubsub/t/0", json=body, headers=TOKEN)
    assert answer.json() == {
        "statuses": [
            {"entryId": "a", "status": "SUCCESS"},
            {"entryId": "b", "status": "RETRY"},
            {"entryId": "c", "status": "DROP"},
        ]
    }


def test_two_default_handlers_for_one_topic_are_refused() -> None:
    subs = Subscriptions()

    @subs.topic("t")
    async def one(e: CloudEvent[dict[str, Any]]) -> None: ...

    with pytest.raises(ValueError, match="default"):

        @subs.topic("t")
        async def two(e: CloudEvent[dict[str, Any]]) -> None: ...


def test_an_argument_asyncpg_cannot_encode_is_no_outage() -> None:
    """asyncpg's DataError (say, a number out of int32 range) comes wrapped as an
    InterfaceError, a name that otherwise means a lost connection: it must not be held."""
    from asyncpg.exceptions._base import DataError
    from sqlalchemy.exc import DBAPIError

    from dapr_common.postgres import database_unavailable

    class InterfaceError(Exception):  # what SQLAlchemy's asyncpg adapter raises
        pass

    adapted = InterfaceError("invalid input for query argument $1")
    adapted.__cause__ = DataError("invalid input for query argument $1: 2147483648")
    assert not database_unavailable(DBAPIError("INSERT", {}, adapted))
    lost = InterfaceError("connection is closed")
    assert database_unavailable(DBAPIError("INSERT", {}, lost))
