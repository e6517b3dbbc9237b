"""The per-user cache of the default task list, in the Dapr state store.

Filled on a miss, dropped after every write by that user. A reader that loaded the list just
before a write could put it back after the drop; the TTL bounds how long such a stale list
lives. The cache never fails a request: when the state store is down, the database answers.
"""

import logging
from datetime import timedelta

from backend.api.schemas import TaskPage
from backend.db.models import User
from dapr_common import DaprClient, DaprError

log = logging.getLogger("backend.cache")
TTL = timedelta(seconds=30)


def key(user: User) -> str:
    return f"tasklist-{user.id}"


async def cached_list(dapr: DaprClient, user: User) -> TaskPage | None:
    try:
        item = await dapr.state.get(key(user))
    except DaprError as exc:
        log.warning("task list cache unavailable: %s", exc)
        return None
    return None if item is None else TaskPage.model_validate(item.value)


async def fill(dapr: DaprClient, user: User, page: TaskPage) -> None:
    try:
        await dapr.state.save(key(user), page.model_dump(mode="json"), ttl=TTL)
    except DaprError as exc:
        log.warning("task list cache not filled: %s", exc)


async def drop(dapr: DaprClient, user: User) -> None:
    try:
        await dapr.state.delete(key(user))
    except DaprError as exc:
        log.warning("task list cache not dropped (stale for up to %s): %s", TTL, exc)
