"""The activity profile: built from task events, the same whatever the order or repetition."""

import asyncio
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ai_service.domain import profile
from ai_service.service_layer import activity

T0 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # a Monday, 08:00 in Paris
USER = "u1"


class MemoryStore:
    """`dapr.state.update` over a dict, TTLs and reads recorded; `likely_new` as the real one:
    an absent key is inserted without a read, a present one read-modify-written."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.ttls: dict[str, timedelta | None] = {}
        self.reads = 0

    async def update(
        self,
        key: str,
        change: Callable[[Any], Any],
        *,
        ttl: timedelta | None = None,
        likely_new: bool = False,
    ) -> Any:
        if likely_new and key not in self.values:
            self.values[key], self.ttls[key] = change(None), ttl
            return self.values[key]
        self.reads += 1
        new = change(self.values.get(key))
        if new != self.values.get(key):
            self.values[key], self.ttls[key] = new, ttl
        return new


Event = Callable[[MemoryStore], Any]


def announce(
    task_id: str, tags: list[str], due: datetime | None, changed: datetime, *, first: bool = False
) -> Event:
    """task.created (`first`, as its subscriber says) or task.updated."""

    def change(f: Any) -> profile.Facts:
        return profile.announced(f, tags=tags, priority="high", due_at=due, changed_at=changed)

    return lambda s: activity.apply(s, USER, task_id, change, activity.OPEN_TTL, first=first)


def complete(task_id: str, at: datetime) -> Event:
    def change(f: Any) -> profile.Facts:
        return profile.completed(f, completed_at=at)

    return lambda s: activity.apply(s, USER, task_id, change, activity.CLOSED_TTL)


def delete(task_id: str) -> Event:
    return lambda s: activity.apply(s, USER, task_id, profile.deleted, activity.CLOSED_TTL)


def stream() -> list[Event]:
    return [
        announce("a", ["work"], T0, T0 - timedelta(days=1), first=True),
        announce("a", ["work", "deep"], T0 + timedelta(hours=2), T0 - timedelta(hours=5)),
        complete("a", T0 + timedelta(hours=1)),
        announce("b", ["home"], None, T0, first=True),
        delete("b"),
    ]


def run(seq: list[Event]) -> dict[str, Any]:
    store = MemoryStore()

    async def go() -> None:
        for event in seq:
            await event(store)

    asyncio.run(go())
    return store.values


def test_completion_keeps_the_newest_facts_and_only_completions_reach_the_history() -> None:
    values = run(stream())
    done = values[activity.history_key(USER)]["done"]
    assert list(done) == ["a"]
    assert done["a"]["tags"] == ["deep", "work"]
    assert done["a"]["dueAt"] == (T0 + timedelta(hours=2)).isoformat()
    assert done["a"]["completedAt"] == (T0 + timedelta(hours=1)).isoformat()
    assert values[activity.task_key("b")]["deleted"] is True


def test_any_order_and_any_repetition_give_the_same_profile() -> None:
    expected = run(stream())
    orders = list(itertools.permutations(stream()))
    assert len(orders) == 120
    for order in orders:
        seq = list(order)
        assert run(seq) == expected
        assert run(seq + seq[::-1]) == expected


def test_a_new_task_is_announced_without_a_read_and_a_redelivery_changes_nothing() -> None:
    store = MemoryStore()
    created = announce("a", ["work"], T0, T0, first=True)

    async def go() -> None:
        await created(store)
        assert store.reads == 0
        before = dict(store.values)
        await created(store)  # redelivered: the key exists, read and left as it is
        assert store.reads == 1 and store.values == before

    asyncio.run(go())


def test_closed_tasks_expire_sooner_than_open_ones() -> None:
    store = MemoryStore()

    async def go() -> None:
        await announce("a", [], None, T0)(store)
        await announce("b", [], None, T0)(store)
        await complete("b", T0)(store)

    asyncio.run(go())
    assert store.ttls[activity.task_key("a")] == activity.OPEN_TTL
    assert store.ttls[activity.task_key("b")] == activity.CLOSED_TTL < activity.OPEN_TTL


def completion(
    history: profile.History | None, task_id: str, done: datetime, due: datetime | None = None
) -> profile.History:
    facts = profile.announced(None, tags=["work"], priority="medium", due_at=due, changed_at=done)
    facts = profile.completed(facts, completed_at=done)
    return profile.recorded(history, task_id=task_id, facts=facts)


def test_summary_tag_share_daypart_and_lateness() -> None:
    h = None
    for day in range(4):
        done = T0 + timedelta(days=day)
        h = completion(h, f"t{day}", done, due=done - timedelta(hours=24))
    summary = profile.summarize(h, "Europe/Paris")
    assert summary.completions == 4
    assert summary.tag_share == {"work": 1.0}
    assert summary.tag_daypart == {"work": ("morning", 1.0)}
    assert summary.average_lateness_hours == 24
    assert profile.summarize(h, "America/Los_Angeles").tag_daypart == {"work": ("night", 1.0)}


def test_history_is_bounded_and_keeps_the_latest() -> None:
    h = None
    for i in range(profile.MAX_DONE + 20):
        h = completion(h, f"t{i}", T0 + timedelta(minutes=i))
    assert h is not None and len(h["done"]) == profile.MAX_DONE
    assert "t0" not in h["done"] and f"t{profile.MAX_DONE + 19}" in h["done"]
    assert completion(h, "t0", T0) == h  # a redelivered old completion is trimmed again


def test_no_statistics_before_enough_history() -> None:
    summary = profile.summarize(completion(None, "x", T0))
    assert summary.completions == 1 and summary.tag_daypart == {}
    assert summary.average_lateness_hours is None


def test_the_higher_version_wins_whatever_the_clocks_say() -> None:
    """Replica B's clock runs a second behind A's: its later update (version 3) is stamped
    earlier than A's version 2, and must win in either arrival order."""
    a = dict(tags=["a"], priority="low", due_at=None, changed_at=T0 + timedelta(seconds=1))
    b = dict(tags=["b"], priority="high", due_at=None, changed_at=T0)
    for first, second in (((a, 2), (b, 3)), ((b, 3), (a, 2))):
        facts = profile.announced(None, **first[0], version=first[1])  # type: ignore[arg-type]
        facts = profile.announced(facts, **second[0], version=second[1])  # type: ignore[arg-type]
        assert facts["tags"] == ["b"] and facts["version"] == 3


def test_without_versions_on_both_sides_the_time_decides() -> None:
    """An event from a backend that predates versions, against facts that have one."""
    new = profile.announced(None, tags=["v"], priority="low", due_at=None, changed_at=T0, version=2)
    later = T0 + timedelta(minutes=1)
    old = profile.announced(new, tags=["t"], priority="low", due_at=None, changed_at=later)
    assert old["tags"] == ["t"] and old["version"] == 2
