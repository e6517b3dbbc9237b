"""The activity profile: built from task events, the same whatever the order or repetition."""

import itertools
from datetime import UTC, datetime, timedelta

from ai_service import profile

T0 = datetime(2026, 11, 2, 7, 0, tzinfo=UTC)  # a Monday, 08:00 in Paris


def events() -> list[tuple[str, dict[str, object]]]:
    return [
        (
            "announced",
            {
                "task_id": "a",
                "tags": ["work"],
                "priority": "high",
                "due_at": T0,
                "changed_at": T0 - timedelta(days=1),
            },
        ),
        (
            "announced",
            {
                "task_id": "a",
                "tags": ["work", "deep"],
                "priority": "high",
                "due_at": T0 + timedelta(hours=2),
                "changed_at": T0 - timedelta(hours=5),
            },
        ),
        ("completed", {"task_id": "a", "completed_at": T0 + timedelta(hours=1)}),
        (
            "announced",
            {"task_id": "b", "tags": ["home"], "priority": "low", "due_at": None, "changed_at": T0},
        ),
        ("deleted", {"task_id": "b"}),
    ]


def apply(seq: list[tuple[str, dict[str, object]]]) -> profile.Profile:
    p = None
    for kind, args in seq:
        p = getattr(profile, kind)(p, **args)
    assert p is not None
    return p


def test_completion_keeps_the_newest_facts() -> None:
    p = apply(events())
    assert p["tasks"] == {}
    done = p["done"]["a"]
    assert (
        done["tags"] == ["deep", "work"] and done["dueAt"] == (T0 + timedelta(hours=2)).isoformat()
    )


def test_any_order_and_any_repetition_give_the_same_profile() -> None:
    expected = apply(events())
    for order in itertools.permutations(events()):
        # deletion before the announcement it deletes is the one order that cannot converge:
        # task.deleted comes after task.created for the same task in the backend's outbox,
        # and both share a partition key (the user id) on different topics; skip those.
        seq = list(order)
        kinds = [(k, a["task_id"]) for k, a in seq]
        if kinds.index(("deleted", "b")) < kinds.index(("announced", "b")):
            continue
        assert apply(seq) == expected
        assert apply(seq + seq) == expected


def test_summary_tag_share_daypart_and_lateness() -> None:
    p = None
    for day in range(4):
        done = T0 + timedelta(days=day)
        p = profile.announced(
            p,
            task_id=f"t{day}",
            tags=["work"],
            priority="medium",
            due_at=done - timedelta(hours=24),
            changed_at=done,
        )
        p = profile.completed(p, task_id=f"t{day}", completed_at=done)
    summary = profile.summarize(p, "Europe/Paris")
    assert summary.completions == 4
    assert summary.tag_share == {"work": 1.0}
    assert summary.tag_daypart == {"work": ("morning", 1.0)}
    assert summary.average_lateness_hours == 24
    assert profile.summarize(p, "America/Los_Angeles").tag_daypart == {"work": ("night", 1.0)}


def test_history_is_bounded() -> None:
    p = None
    for i in range(profile.MAX_DONE + 20):
        p = profile.completed(p, task_id=f"t{i}", completed_at=T0 + timedelta(minutes=i))
    assert p is not None and len(p["done"]) == profile.MAX_DONE
    assert "t0" not in p["done"] and f"t{profile.MAX_DONE + 19}" in p["done"]


def test_no_statistics_before_enough_history() -> None:
    p = profile.completed(None, task_id="x", completed_at=T0)
    summary = profile.summarize(p)
    assert summary.completions == 1 and summary.tag_daypart == {}
    assert summary.average_lateness_hours is None
