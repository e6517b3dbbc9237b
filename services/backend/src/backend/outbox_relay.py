"""The outbox relay: publishes committed events through the sidecar, in order, at least once.

Each pass takes a transaction-scoped advisory lock, so with several backend replicas only one
relays at a time and per-user order holds. A row is marked sent only after Dapr accepted it;
a crash in between republishes it with the same CloudEvent id, which consumers deduplicate.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import OutboxEvent
from dapr_common import DaprClient, DaprError

log = logging.getLogger("backend.outbox")

_LOCK_KEY = 0x7D0_0B0C  # any constant shared by every backend replica


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
            sent = 0
            failure: DaprError | None = None
            for row in pending.all():
                try:
                    await self._dapr.pubsub.publish(
                        row.topic,
                        row.payload,
                        event_id=row.id,
                        event_type=row.topic,  # the CloudEvent type is the topic
                        partition_key=row.partition_key,
                    )
                except DaprError as exc:
                    # Stop here so later rows never overtake this one; keep what was sent.
                    row.attempts += 1
                    row.last_error = str(exc)[:2000]
                    session.add(row)
                    failure = exc
                    break
                row.sent_at = datetime.now(UTC)
                session.add(row)
                sent += 1
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
