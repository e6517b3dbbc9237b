"""The per-user cache of the default task list, in the Dapr state store.

Filled on a miss, dropped after every write by that user. A reader that loaded the list just
before a write could put it back after the drop; the TTL bounds how long such a stale list
lives. The cache never fails a request: when the state store is down, the database answers. A hit
needs no database at all: the signed token names the user.
"""

import logging
from datetime import timedelta
from typing import Any

from dapr_common import DaprClient, DaprError

log = logging.getLogger("backend.cache")
TTL = timedelta(seconds=30)


def key(user_id: str) -> str:
    return f"tasklist-{user_id}"


async def cached_list(dapr: DaprClient, user_id: str) -> dict[str, Any] | None:
    """The page as it was served (JSON), or None on a miss or while the store is down."""
    try:
        item = await dapr.state.get(key(user_id))
    except DaprError as exc:
        log.warning("task list cache unavailable: %s", exc)
        return None
    return None if item is None or not isinstance(item.value, dict) else item.value


async def fill(dapr: DaprClient, user_id: str, page: dict[str, Any]) -> None:
    try:
        await dapr.state.save(key(user_id), page, ttl=TTL)
    except DaprError as exc:
        log.warning("task list cache not filled: %s", exc)


async def drop(dapr: DaprClient, user_id: str) -> None:
    try:
        await dapr.state.delete(key(user_id))
    except DaprError as exc:
        log.warning("task list cache not dropped (stale for up to %s): %s", TTL, exc)
