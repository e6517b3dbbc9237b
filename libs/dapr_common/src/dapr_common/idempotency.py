"""Make a subscriber's effect happen once per CloudEvent id, though delivery is at least once.

The id must be recorded in the same atomic write as the effect. In a database that is one
transaction (insert the id into a processed-events table; a unique-key violation means "done").
In the Dapr state store it is one value: Redis transactions (MULTI/EXEC) do not roll back a
failed ETag check, so marker-plus-effect in a state transaction is not atomic there.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from dapr_common.client import DaprClient


class ProcessedEvents(Protocol):
    """Where a consumer applies an effect together with the record of the event that caused it."""

    async def apply_once(self, key: str, event_id: str, change: Callable[[Any], Any]) -> bool: ...


class StateStoreProcessedEvents:
    """Effects on one state-store value, each applied once per event id.

    The value is stored as `{"value": …, "applied": [event ids]}` and written back under its
    ETag: the effect and the id land in one write, and a concurrent writer makes the loser
    re-read and re-decide. The last `remember` ids are kept per value, enough to catch the
    redeliveries of an at-least-once broker.
    """

    def __init__(
        self,
        client: "DaprClient",
        *,
        remember: int = 1000,
        attempts: int = 20,
        store: str | None = None,
    ) -> None:
        self._client = client
        self._remember = remember
        self._attempts = attempts
        self._store = store

    async def read(self, key: str) -> Any:
        """The current value (without the bookkeeping), or None."""
        item = await self._client.state.get(key, store=self._store)
        return None if item is None else item.value["value"]

    async def apply_once(self, key: str, event_id: str, change: Callable[[Any], Any]) -> bool:
        """Set the value at `key` to `change(current or None)` unless `event_id` already did;
        True when applied now, False for a redelivery."""
        applied = False

        def step(envelope: Any) -> Any:
            nonlocal applied
            envelope = envelope or {"value": None, "applied": []}
            applied = event_id not in envelope["applied"]
            if not applied:
                return envelope
            ids = [*envelope["applied"], event_id][-self._remember :]
            return {"value": change(envelope["value"]), "applied": ids}

        await self._client.state.update(key, step, attempts=self._attempts, store=self._store)
        return applied
