"""Properties of the ranking, over generated tasks and histories (hypothesis)."""

import math
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ai_service.domain import profile
from ai_service.domain.ranking import OpenTask, rank, score

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TAGS = st.lists(st.sampled_from(["work", "home", "health", "errands"]), max_size=3, unique=True)
PRIORITIES = st.sampled_from(["low", "medium", "high", "urgent"])
OFFSETS = st.one_of(
    st.none(), st.integers(-60 * 24 * 30, 60 * 24 * 30).map(lambda m: timedelta(minutes=m))
)


@st.composite
def tasks(draw: st.DrawFn, prefix: str = "t") -> OpenTask:
    due = draw(OFFSETS)
    age = draw(st.integers(0, 60 * 24 * 60))
    return OpenTask(
        id=f"{prefix}{draw(st.integers(0, 10**6))}",
        title=draw(st.text(max_size=20)),
        priority=draw(PRIORITIES),
        due_at=NOW + due if due is not None else None,
        created_at=NOW - timedelta(minutes=age),
        tags=tuple(draw(TAGS)),
    )


@st.composite
def histories(draw: st.DrawFn) -> profile.Summary:
    p = None
    for i in range(draw(st.integers(0, 30))):
        done = NOW - timedelta(minutes=draw(st.integers(1, 60 * 24 * 90)))
        late = draw(st.one_of(st.none(), st.integers(-5000, 5000)))
        facts = profile.announced(
            None,
            tags=draw(TAGS),
            priority="medium",
            due_at=done - timedelta(minutes=late) if late is not None else None,
            changed_at=done,
        )
        p = profile.recorded(p, task_id=f"h{i}", facts=profile.completed(facts, completed_at=done))
    return profile.summarize(p, draw(st.sampled_from(["UTC", "Asia/Tokyo", "America/Denver"])))


@settings(max_examples=300, deadline=None)
@given(
    overdue_by=st.integers(1, 60 * 24 * 365),
    urgent=tasks("u"),
    low=tasks("l"),
    history=histories(),
    others=st.lists(tasks("o"), max_size=10),
)
def test_an_overdue_urgent_task_never_ranks_below_a_not_due_low_task(
    overdue_by: int,
    urgent: OpenTask,
    low: OpenTask,
    history: profile.Summary,
    others: list[OpenTask],
) -> None:
    urgent = OpenTask(
        urgent.id,
        urgent.title,
        "urgent",
        NOW - timedelta(minutes=overdue_by),
        urgent.created_at,
        urgent.tags,
    )
    not_due = low.due_at if low.due_at is not None and low.due_at > NOW else None
    low = OpenTask(low.id, low.title, "low", not_due, low.created_at, low.tags)
    order = [r.task_id for r in rank([low, *others, urgent], NOW, limit=100, history=history)]
    assert order.index(urgent.id) < order.index(low.id)


@settings(max_examples=200, deadline=None)
@given(items=st.lists(tasks(), max_size=40), limit=st.integers(1, 50), history=histories())
def test_at_most_limit_finite_scores_best_first_and_stable(
    items: list[OpenTask], limit: int, history: profile.Summary
) -> None:
    ranked = rank(items, NOW, limit, history)
    assert len(ranked) == min(limit, len(items))
    assert all(math.isfinite(r.score) for r in ranked)
    assert [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    assert rank(list(reversed(items)), NOW, limit, history) == ranked or _has_duplicate_ids(items)
    assert rank(items, NOW, limit, history) == ranked


def _has_duplicate_ids(items: list[OpenTask]) -> bool:
    return len({t.id for t in items}) != len(items)


@given(task=tasks(), history=histories())
def test_history_adds_at_most_23_points(task: OpenTask, history: profile.Summary) -> None:
    without, _ = score(task, NOW)
    with_history, _ = score(task, NOW, history)
    assert 0 <= with_history - without <= 23
