"""The outbox relay: publishes committed events through the sidecar, in order, at least once.

Rows go out in batches, one bulk publish per topic (a round trip per batch, not per event).
Within a topic a user's events keep their commit order; a row Kafka refuses stays pending and
is retried, so it may then arrive after a later event of the same user and topic. Consumers
are built for that: their effects are keyed and once per event id.

Each pass takes a transaction-scoped advisory lock, so with several backend replicas only one
relays at a time and per-user order holds. A row is marked sent only after Dapr accepted it;
a crash in between republishes it with the same CloudEvent id, which consumers deduplicate.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import OutboxEvent
from dapr_common import BulkEntry, BulkPublishFailed, DaprClient, DaprError
from dapr_common.pubsub import CLOUDEVENT_JSON

log = logging.getLogger("backend.outbox")

_LOCK_KEY = 0x7D0_0B0C  # any constant shared by every backend replica


def cloud_event(row: OutboxEvent) -> dict[str, Any]:
    """The row as the CloudEvent consumers receive: its id is the row id, its type the topic."""
    return {
        "specversion": "1.0",
        "id": row.id,
        "source": "backend",
        "type": row.topic,
        "datacontenttype": "application/json",
        "time": row.created_at.isoformat(),
        "data": row.payload,
    }


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dapr: DaprClient,
        *,
        batch: int = 100,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
    ) -> None:
        self._sessions = sessions
        self._dapr = dapr
        self._batch = batch
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was committed: relay it now rather than at the next poll."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish up to one batch of pending rows in order; returns how many were sent.
        Raises DaprError when the sidecar (or Kafka behind it) refuses: the rest waits."""
        async with self._sessions() as session, session.begin():
            locked = await session.exec(  # type: ignore[call-overload]
                text("SELECT pg_try_advisory_xact_lock(:key)"), params={"key": _LOCK_KEY}
            )
            if not locked.scalar():
                return 0
            pending = await session.exec(
                select(OutboxEvent)
                .where(col(OutboxEvent.sent_at).is_(None))
                .order_by(col(OutboxEvent.seq))
                .limit(self._batch)
            )
            rows = list(pending.all())
            sent = 0
            failure: DaprError | None = None
            # One bulk publish per topic, rows in commit order within it (Kafka keeps the
            # order of one partition key's messages in a batch).
            by_topic: dict[str, list[OutboxEvent]] = {}
            for row in rows:
                by_topic.setdefault(row.topic, []).append(row)
            now = datetime.now(UTC)
            for topic, group in by_topic.items():
                try:
                    await self._dapr.pubsub.publish_bulk(
                        topic,
                        [
                            BulkEntry(
                                entry_id=row.id,
                                event=cloud_event(row),
                                content_type=CLOUDEVENT_JSON,
                                metadata={"partitionKey": row.partition_key},
                            )
                            for row in group
                        ],
                    )
                    refused: set[str] = set()
                except BulkPublishFailed as exc:
                    # Unnamed failures (the whole call refused) leave every row pending.
                    refused = set(exc.failed) or {row.id for row in group}
                    failure = exc
                for row in group:
                    if row.id in refused:
                        row.attempts += 1
                        row.last_error = str(failure)[:2000]
                    else:
                        row.sent_at = now
                        sent += 1
                    session.add(row)
        if failure is not None:
            raise failure
        return sent

    async def run(self) -> None:
        """Relay until cancelled, backing off while publishing fails."""
        backoff = self._poll_interval
        while True:
            try:
                sent = await self.publish_pending()
                backoff = self._poll_interval
                if sent == self._batch:
                    continue  # more waiting: no pause
            except DaprError as exc:
                log.warning("outbox relay: publish failed (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            except Exception:
                log.exception("outbox relay: unexpected failure; retrying in %.1fs", backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval)
