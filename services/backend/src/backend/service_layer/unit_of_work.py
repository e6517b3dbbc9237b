"""One use case's transaction, and the work that must follow once it committed.

A use case writes through `uow.session`, records its events with `uow.publish` (outbox rows
in the same transaction) and says which cached views its writes leave stale
(`uow.forget_task_list`). `await uow.commit()` commits, then wakes the outbox relay when
events were recorded and runs the after-commit hooks: a failed hook is logged, never undoes
the commit. Nothing runs after a rollback.
"""

import logging
from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import OutboxEvent
from backend.domain.events import Event
from backend.service_layer import task_cache
from backend.service_layer.outbox_relay import OutboxRelay
from dapr_common import DaprClient

log = logging.getLogger("backend.uow")

Hook = Callable[[], Awaitable[None]]


def outbox_row(event: Event, user_id: str) -> OutboxEvent:
    """The outbox row for `event`, keyed by user so one user's events stay in order."""
    return OutboxEvent(topic=event.topic, partition_key=user_id, payload=event.payload())


class UnitOfWork:
    def __init__(
        self, session: AsyncSession, dapr: DaprClient, relay: OutboxRelay | None = None
    ) -> None:
        self.session = session
        self.dapr = dapr
        self._relay = relay
        self._published = False
        self._hooks: list[Hook] = []

    def publish(self, event: Event, user_id: str) -> None:
        """Record `event` in this transaction; the relay publishes it once committed."""
        self.session.add(outbox_row(event, user_id))
        self._published = True

    def after_commit(self, hook: Hook) -> None:
        self._hooks.append(hook)

    def forget_task_list(self, user_id: str) -> None:
        """The user's cached task list is stale once this commits."""

        async def drop() -> None:
            await task_cache.drop(self.dapr, user_id)

        self.after_commit(drop)

    async def commit(self) -> None:
        await self.session.commit()
        hooks, self._hooks = self._hooks, []
        if self._published and self._relay is not None:
            self._relay.wake()
        self._published = False
        for hook in hooks:
            try:
                await hook()
            except Exception:
                log.exception("after-commit work failed (the commit stands)")

    async def rollback(self) -> None:
        await self.session.rollback()
        self._hooks.clear()
        self._published = False
