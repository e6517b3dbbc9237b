"""Each user's activity profile in the state store, kept by the task events.

Each event changes the small facts value of its task (`task-<task id>`, ETag-guarded) and, once
the task is completed, the user's history (`history-<user id>`). Both converge whatever the
order or repetition of deliveries (domain/profile.py), which is what makes the subscribers
idempotent: a redelivered event rewrites nothing. Values expire through state TTLs: a task's
facts a year after the last announcement, 30 days after the last completion or the deletion.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

from ai_service.domain import profile

OPEN_TTL = timedelta(days=365)
CLOSED_TTL = timedelta(days=30)
HISTORY_TTL = timedelta(days=365)


def task_key(task_id: str) -> str:
    return f"task-{task_id}"


def history_key(user_id: str) -> str:
    return f"history-{user_id}"


class Store(Protocol):
    """`dapr.state` as used here (an in-memory one in the tests)."""

    async def update(
        self,
        key: str,
        change: Callable[[Any], Any],
        *,
        ttl: timedelta | None = None,
        likely_new: bool = False,
    ) -> Any: ...


async def apply(
    store: Store,
    user_id: str,
    task_id: str,
    change: Callable[[Any], profile.Facts],
    ttl: timedelta,
    *,
    first: bool = False,
) -> None:
    """One event: change the task's facts, then carry a completed task's facts to the
    user's history (again on a redelivery, which also finishes a write a crash cut short).
    `first`: the event that usually comes first about a task (`task.created`): its facts are
    written insert-only before any read, one state call instead of two."""
    facts = await store.update(task_key(task_id), change, ttl=ttl, likely_new=first)
    if "completedAt" in facts:
        await store.update(
            history_key(user_id),
            lambda h: profile.recorded(h, task_id=task_id, facts=facts),
            ttl=HISTORY_TTL,
        )
