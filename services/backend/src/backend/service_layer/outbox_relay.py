"""The outbox relay: publishes committed events through the sidecar, in order, at least once.

One relay at a time, on a lease: the row `outbox` of `relay_lease`, taken or renewed for `lease`
seconds in a short transaction of its own by a pass that finds a third of the lease gone since
it was last taken (the holder skips that transaction at most passes; every pass still starts
with at least two thirds of the lease ahead). Nothing is held across the publish: the pass reads
a batch, its session closed, publishes (one bulk call per topic), then marks the rows in another
short transaction. A holder that stalls (a half-open connection, a paused process) blocks the
others only until its lease expires, never for a TCP keepalive; one that stops gives the lease
up (`release_lease`), so the next takes over at once.

A row is marked sent only after Dapr accepted it; a crash or a lost lease in between
republishes it with the same CloudEvent id, which consumers deduplicate. Within a topic a
user's events keep their commit order, except around a refused row: it waits its own backoff
and may then arrive after a later event of the same user (consumers are built for that).

A refused row waits a jittered exponential backoff of its own, so the rows behind it go on;
after `park_after` refusals (about 18 minutes of them with the defaults) it is parked: left out
until an operator retries it (`POST /outbox/parked/retry`); `GET /outbox` and `backlog()`
report the age of the oldest pending row and the parked count. A refusal is the sidecar
refusing the call (a 4xx: a topic not allowed, a body too big), naming some entries of a call
whose others went out, or a call that failed whole with a 5xx while another topic's call of
the same pass went out (Kafka is up: the topic is missing, or its messages too large); so that
a pass can tell, a full batch of one topic takes the oldest due row of another topic along. A
pass that published nothing (Kafka down, the sidecar down) refuses nothing: no row is counted
and the whole relay backs off, however long the outage; nor does a call that got no answer.
(With several brokers, a topic whose partitions' leader alone is down counts as refused too,
and is parked after the 18 minutes: `POST /outbox/parked/retry` once the broker is back.)
"""

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, or_, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import OutboxEvent
from dapr_common import BulkEntry, BulkPublishFailed, DaprClient, DaprError
from dapr_common.pubsub import CLOUDEVENT_JSON

log = logging.getLogger("backend.outbox")

LEASE_NAME = "outbox"
_TAKE_LEASE = text(
    """
    INSERT INTO relay_lease (name, holder, expires_at)
    VALUES (:name, :holder, now() + make_interval(secs => :seconds))
    ON CONFLICT (name) DO UPDATE
        SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
        WHERE relay_lease.holder = EXCLUDED.holder OR relay_lease.expires_at < now()
    RETURNING holder
    """
)


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


@dataclass(frozen=True)
class Backlog:
    """What is waiting: rows to publish (and the age of the oldest, the figure to alert on)
    and rows parked after too many refusals."""

    pending: int
    oldest_pending_seconds: float
    parked: int


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dapr: DaprClient,
        *,
        batch: int = 100,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
        lease: float = 15.0,
        retry_base: float = 1.0,
        retry_cap: float = 300.0,
        park_after: int = 12,
        holder: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._dapr = dapr
        self._batch = batch
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._lease = lease
        self._retry_base = retry_base
        self._retry_cap = retry_cap
        self._park_after = park_after
        self.holder = holder or f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"
        self._wake = asyncio.Event()
        self._renew_at = 0.0  # monotonic: when the lease this relay holds is next renewed

    def wake(self) -> None:
        """Something was committed: relay it now rather than at the next poll."""
        self._wake.set()

    async def take_lease(self) -> bool:
        """Take the relay's lease, or renew it; False while another relay holds it."""
        started = time.monotonic()  # before the statement: the lease ends later than this + lease
        async with self._sessions() as session, session.begin():
            got = await session.exec(  # type: ignore[call-overload]
                _TAKE_LEASE,
                params={"name": LEASE_NAME, "holder": self.holder, "seconds": self._lease},
            )
            held = got.first() is not None
        self._renew_at = started + self._lease / 3 if held else 0.0
        return held

    async def _hold_lease(self) -> bool:
        """The lease, renewed only once a third of it has gone."""
        return time.monotonic() < self._renew_at or await self.take_lease()

    async def release_lease(self) -> None:
        """Give the lease up (this relay is stopping): another replica takes over at its next
        pass instead of when the lease would have expired."""
        self._renew_at = 0.0
        async with self._sessions() as session, session.begin():
            await session.exec(  # type: ignore[call-overload]
                text("DELETE FROM relay_lease WHERE name = :name AND holder = :holder"),
                params={"name": LEASE_NAME, "holder": self.holder},
            )

    def _retry_delay(self, attempts: int) -> timedelta:
        """Exponential in the row's refusals, capped, with ±50 % jitter."""
        delay = min(self._retry_cap, self._retry_base * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=delay * random.uniform(0.5, 1.5))

    async def publish_pending(self) -> int:
        """Publish up to one batch of due rows in order; returns how many were sent. Raises
        DaprError when every publish of the pass failed (the sidecar or Kafka is down)."""
        if not await self._hold_lease():
            return 0
        due = (
            col(OutboxEvent.sent_at).is_(None),
            col(OutboxEvent.parked_at).is_(None),
            or_(
                col(OutboxEvent.next_attempt_at).is_(None),
                col(OutboxEvent.next_attempt_at) <= func.now(),
            ),
        )
        async with self._sessions() as session:
            pending = await session.exec(
                select(OutboxEvent).where(*due).order_by(col(OutboxEvent.seq)).limit(self._batch)
            )
            rows = list(pending.all())
            if len(rows) == self._batch and len({row.topic for row in rows}) == 1:
                # A full batch of one topic: the oldest due row of another comes along, so
                # that a topic failing whole is told from Kafka down (see the docstring).
                other = await session.exec(
                    select(OutboxEvent)
                    .where(*due, col(OutboxEvent.topic) != rows[0].topic)
                    .order_by(col(OutboxEvent.seq))
                    .limit(1)
                )
                rows += list(other.all())
        if not rows:
            return 0
        # One bulk publish per topic, rows in commit order within it (Kafka keeps the order
        # of one partition key's messages in a batch).
        by_topic: dict[str, list[OutboxEvent]] = {}
        for row in rows:
            by_topic.setdefault(row.topic, []).append(row)
        sent: list[str] = []
        refused: dict[str, DaprError] = {}
        unreachable: DaprError | None = None
        failed_whole: dict[str, DaprError] = {}  # row id → the 5xx (or no answer) of its call
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
                sent += [row.id for row in group]
            except BulkPublishFailed as exc:
                ids = {row.id for row in group}
                named = set(exc.failed) & ids
                partial = bool(named) and named != ids
                if not partial and (exc.status is None or exc.status >= 500):
                    unreachable = exc  # Kafka or the sidecar down, or this topic refused
                    if exc.status is not None:  # an answer: no answer refuses nothing, ever
                        failed_whole.update({row.id: exc for row in group})
                    continue
                # A 4xx refuses the whole call; a partial failure, the entries it names.
                refused_ids = named if partial else ids
                sent += [row.id for row in group if row.id not in refused_ids]
                refused.update({row.id: exc for row in group if row.id in refused_ids})
        if sent:
            # Kafka took another topic in this very pass: a topic whose call failed whole is
            # refused for itself (missing, its messages too large), not an outage.
            refused.update(failed_whole)
        await self._mark(rows, sent, refused)
        if unreachable is not None and not sent:
            raise unreachable
        return len(sent)

    async def _mark(
        self, rows: list[OutboxEvent], sent: list[str], refused: dict[str, DaprError]
    ) -> None:
        """Sent rows sent; refused ones one refusal more, their next try later, or parked."""
        if not sent and not refused:
            return
        async with self._sessions() as session, session.begin():
            if sent:
                await session.exec(
                    update(OutboxEvent)
                    .where(col(OutboxEvent.id).in_(sent))
                    .values(sent_at=func.now())
                    .execution_options(synchronize_session=False)
                )
            for row in rows:
                if row.id not in refused:
                    continue
                attempts = row.attempts + 1
                parked = attempts >= self._park_after
                if parked:
                    log.error(
                        "outbox: event %s (%s) parked after %d refusals: %s",
                        row.id,
                        row.topic,
                        attempts,
                        refused[row.id],
                    )
                # The count in SQL (two relays whose leases overlapped both count), the times
                # on the database's clock, which the due check compares with.
                await session.exec(
                    update(OutboxEvent)
                    .where(col(OutboxEvent.id) == row.id)
                    .values(
                        attempts=col(OutboxEvent.attempts) + 1,
                        last_error=str(refused[row.id])[:2000],
                        next_attempt_at=func.now() + self._retry_delay(attempts),
                        parked_at=case(
                            (col(OutboxEvent.attempts) + 1 >= self._park_after, func.now()),
                            else_=None,
                        ),
                    )
                    .execution_options(synchronize_session=False)
                )

    async def backlog(self) -> Backlog:
        async with self._sessions() as session:
            result = await session.exec(  # type: ignore[call-overload]
                text(
                    "SELECT count(*) FILTER (WHERE parked_at IS NULL),"
                    " coalesce(extract(epoch FROM now() - min(created_at)"
                    " FILTER (WHERE parked_at IS NULL)), 0),"
                    " count(*) FILTER (WHERE parked_at IS NOT NULL)"
                    " FROM outbox WHERE sent_at IS NULL"
                )
            )
            pending, oldest, parked = result.one()
        return Backlog(int(pending), float(oldest), int(parked))

    async def retry_parked(self) -> int:
        """Every parked row back in line with its refusals forgotten; how many."""
        async with self._sessions() as session, session.begin():
            result = await session.exec(
                update(OutboxEvent)
                .where(col(OutboxEvent.sent_at).is_(None), col(OutboxEvent.parked_at).is_not(None))
                .values(parked_at=None, attempts=0, next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
            retried = int(result.rowcount or 0)
        self.wake()
        return retried

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
