"""The per-user cache of the default task list, in the Dapr state store.

A hit needs no database at all: the signed token names the user. The cache never fails a
request: when the state store is down, the database answers.

Read-your-writes across replicas. A write by the user, once committed, replaces the cached
list with a tombstone (an unconditional save, which gives the key a new ETag). A reader that
missed fills only under the ETag it saw at its miss, so a list it read from the database before
a write can never be put back after that write's tombstone: the ETag changed, the fill loses.
A miss on an empty key (first read, or the list expired) has no ETag to fill under: that reader
only plants a tombstone and the next miss fills. Without this, a reader that loaded the list
just before a write could put it back after the writer dropped it, stale for the whole TTL.

The residual: Redis restarts a key's version at 1 when the key disappears, so a fill whose
tombstone expired during its database read could match a new one; tombstones live an hour and a
fill more than MAX_FILL_DELAY after its miss is skipped, so that needs a key idle for an hour to
expire inside a few seconds' window, and the stale list then lives at most TTL.

Shapes: the cached value is the page itself (as before), the tombstone is the JSON string
"dropped" (not an object), so a release that predates tombstones reads one as a miss. While
such a release still runs beside this one (a rollout), its writes delete the key and its fills
are unconditional, so a stale list can live for up to TTL, as it could before.
"""

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dapr_common import DaprClient, DaprError, ETagMismatch

log = logging.getLogger("backend.cache")
TTL = timedelta(seconds=30)
TOMBSTONE = "dropped"
TOMBSTONE_TTL = timedelta(hours=1)
MAX_FILL_DELAY = 5.0  # seconds from the miss to the fill


def key(user_id: str) -> str:
    return f"tasklist-{user_id}"


@dataclass(frozen=True)
class Lookup:
    """What a read of the cache saw: the page on a hit, else the ETag a fill must match."""

    page: dict[str, Any] | None = None
    etag: str | None = None  # the tombstone's (or unreadable value's) ETag
    reachable: bool = True  # False: the state store was down, so nothing is filled
    at: float = 0.0  # time.monotonic() of the read


async def lookup(dapr: DaprClient, user_id: str) -> Lookup:
    """The page as it was served (JSON) on a hit; on a miss, what a fill needs."""
    now = time.monotonic()
    try:
        item = await dapr.state.get(key(user_id))
    except DaprError as exc:
        log.warning("task list cache unavailable: %s", exc)
        return Lookup(reachable=False, at=now)
    if item is None:
        return Lookup(at=now)
    if isinstance(item.value, dict):
        return Lookup(page=item.value, etag=item.etag, at=now)
    return Lookup(etag=item.etag, at=now)


async def fill(dapr: DaprClient, user_id: str, page: dict[str, Any], seen: Lookup) -> None:
    """Cache `page`, read from the database after the miss `seen`, unless a write came since."""
    if seen.page is not None or not seen.reachable:
        return
    try:
        if seen.etag is None:
            await dapr.state.save(key(user_id), TOMBSTONE, ttl=TOMBSTONE_TTL)
        elif time.monotonic() - seen.at <= MAX_FILL_DELAY:
            await dapr.state.save(key(user_id), page, etag=seen.etag, ttl=TTL)
    except ETagMismatch:
        log.debug("task list of %s changed since the miss: not filled", user_id)
    except DaprError as exc:
        log.warning("task list cache not filled: %s", exc)


async def drop(dapr: DaprClient, user_id: str) -> None:
    """After a committed write: no list read before it may be served or filled again."""
    try:
        await dapr.state.save(key(user_id), TOMBSTONE, ttl=TOMBSTONE_TTL)
    except DaprError as exc:
        log.warning("task list cache not dropped (stale for up to %s): %s", TTL, exc)
