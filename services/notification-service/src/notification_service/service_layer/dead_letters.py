"""Dead letters: the events a subscriber gave up on, kept with their original topic and
payload, and replayable.

Every topic's subscriptions (here and in ai-service) name the dead-letter topic
`dlq-<topic with dots as dashes>`; Dapr publishes the undeliverable CloudEvent there
unchanged. notification-service subscribes to all of them and stores one row per
(event id, original topic). Replaying publishes the CloudEvent back to its original topic
with its id unchanged: subscribers that had handled it skip it (their effects are once per
event id), the one that had dropped it gets another chance.

Both routes are operator-only: no app-id may invoke them (see components/config), and the
app itself answers only with its app token (`kubectl port-forward` + the token, or
`make dead-letters` locally).
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dapr_common import CloudEvent, DaprClient
from notification_service.db.models import DeadLetter, new_id
from notification_service.domain.paging import decode_cursor, encode_cursor

SOURCE_TOPICS = (
    "user.registered",
    "task.created",
    "task.updated",
    "task.completed",
    "task.deleted",
)


def dead_letter_topic(topic: str) -> str:
    return "dlq-" + topic.replace(".", "-")


TOPICS = tuple(dead_letter_topic(t) for t in SOURCE_TOPICS)
_ORIGINAL = {dead_letter_topic(t): t for t in SOURCE_TOPICS}


class NotFound(LookupError):
    pass


def _envelope(event: CloudEvent[Any]) -> dict[str, Any]:
    """The CloudEvent as it was published, without the fields Dapr adds on delivery."""
    return event.model_dump(mode="json", exclude_none=True)


async def store(
    sessions: async_sessionmaker[AsyncSession], dlq: str, event: CloudEvent[Any]
) -> None:
    """Store (or, when it comes back after a replay, re-open) the dead letter."""
    original = event.topic if event.topic and event.topic != dlq else _ORIGINAL.get(dlq, dlq)
    row = {
        "id": new_id(),
        "topic": dlq,
        "original_topic": original,
        "event_id": event.id,
        "payload": _envelope(event),
        "error": (
            f"a subscriber of {original} could not use this event (it did not decode, or "
            f"its handler rejected it); the subscriber's log names event id {event.id}"
        ),
        "times_dead_lettered": 1,
        "received_at": datetime.now(UTC),
    }
    stmt = insert(DeadLetter).values(**row)
    table = DeadLetter.__table__  # type: ignore[attr-defined]
    stmt = stmt.on_conflict_do_update(
        index_elements=["event_id", "original_topic"],
        set_={
            "payload": stmt.excluded.payload,
            "received_at": stmt.excluded.received_at,
            "replayed_at": None,
            "times_dead_lettered": table.c.times_dead_lettered + 1,
        },
    )
    async with sessions() as session:
        await session.exec(stmt)
        await session.commit()


async def list_dead_letters(
    session: AsyncSession,
    *,
    original_topic: str | None,
    pending: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[DeadLetter], str | None]:
    """Newest first, keyset-paged; `pending` leaves out the replayed ones."""
    stmt = select(DeadLetter)
    if original_topic:
        stmt = stmt.where(DeadLetter.original_topic == original_topic)
    if pending:
        stmt = stmt.where(col(DeadLetter.replayed_at).is_(None))
    if cursor:
        received, did = decode_cursor(cursor)
        stmt = stmt.where(tuple_(col(DeadLetter.received_at), col(DeadLetter.id)) < (received, did))
    stmt = stmt.order_by(col(DeadLetter.received_at).desc(), col(DeadLetter.id).desc())
    rows = list((await session.exec(stmt.limit(limit + 1))).all())
    items = rows[:limit]
    return items, encode_cursor(items[-1].received_at, items[-1].id) if len(rows) > limit else None


async def replay(session: AsyncSession, dapr: DaprClient, dead_letter_id: str) -> DeadLetter:
    """Publish the dead letter's CloudEvent to its original topic, id unchanged."""
    letter = await session.get(DeadLetter, dead_letter_id)
    if letter is None:
        raise NotFound(dead_letter_id)
    event = {k: v for k, v in letter.payload.items() if k not in _DELIVERY_FIELDS}
    event["topic"] = letter.original_topic
    partition_key = (
        event.get("data", {}).get("userId") if isinstance(event.get("data"), dict) else None
    )
    # Marked first: if the event fails again, its return (which clears the mark) comes after.
    letter.replayed_at = datetime.now(UTC)
    session.add(letter)
    await session.commit()
    try:
        await dapr.pubsub.publish(
            letter.original_topic,
            event,
            content_type="application/cloudevents+json",
            partition_key=str(partition_key) if partition_key else None,
        )
    except BaseException:
        letter.replayed_at = None
        session.add(letter)
        await session.commit()
        raise
    return letter


# Added by the sidecar when it delivers; a republished event gets fresh ones.
_DELIVERY_FIELDS = frozenset({"traceparent", "tracestate", "traceid", "pubsubname"})
