"""Make a subscriber's effect happen once per CloudEvent id, though delivery is at least once."""

from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from dapr_common.errors import ETagMismatch
from dapr_common.state import Delete, Upsert

if TYPE_CHECKING:
    from dapr_common.client import DaprClient


class ProcessedEvents(Protocol):
    """Where a consumer records the ids it has handled, with its effect, atomically.

    A service with a database implements it with a table written in the same transaction as
    the effect (insert the id; a unique-key violation means "already done").
    """

    async def apply_once(self, event_id: str, effect: list[Upsert | Delete]) -> bool: ...


class StateStoreProcessedEvents:
    """ProcessedEvents in the Dapr state store: the id marker and the effect's writes go in one
    state transaction, the marker insert-only (first-write), so a redelivery changes nothing."""

    def __init__(
        self,
        client: "DaprClient",
        consumer: str,
        *,
        keep_for: timedelta = timedelta(days=7),
        store: str | None = None,
    ) -> None:
        self._client = client
        self._consumer = consumer
        self._keep_for = keep_for
        self._store = store

    def marker_key(self, event_id: str) -> str:
        return f"processed||{self._consumer}||{event_id}"

    async def seen(self, event_id: str) -> bool:
        return (
            await self._client.state.get(self.marker_key(event_id), store=self._store) is not None
        )

    async def apply_once(self, event_id: str, effect: list[Upsert | Delete]) -> bool:
        """Apply `effect` unless `event_id` was applied before; True when applied now."""
        marker = Upsert(
            self.marker_key(event_id),
            {"event_id": event_id},
            concurrency="first-write",
            ttl=self._keep_for,
        )
        try:
            await self._client.state.transaction([marker, *effect], store=self._store)
        except ETagMismatch:
            return False
        return True
