"""A user's activity profile, built from the backend's task events: what they finish, when,
and how late. Pure data and functions, no I/O; main.py keeps one per user in the state store.

The profile is a set of facts keyed by task id (`tasks`: open tasks' tags, priority and due
date; `done`: completions), so applying an event twice, or events out of order across topics,
or the whole stream again, lands on the same profile. Statistics are derived when read.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_OPEN = 2000  # facts about open tasks kept per user (oldest announcements go first)
MAX_DONE = 500  # completions kept per user: the recent past is what predicts
MIN_HISTORY = 3  # completions before the profile says anything

Profile = dict[str, Any]

DAYPARTS = (("night", 0, 5), ("morning", 5, 12), ("afternoon", 12, 17), ("evening", 17, 22))


def empty() -> Profile:
    return {"tasks": {}, "done": {}}


def daypart(hour: int) -> str:
    for name, start, end in DAYPARTS:
        if start <= hour < end:
            return name
    return "night"


def announced(
    profile: Profile | None,
    *,
    task_id: str,
    tags: list[str],
    priority: str,
    due_at: datetime | None,
    changed_at: datetime,
) -> Profile:
    """task.created / task.updated: remember the newest facts about the task."""
    p = _copy(profile)
    facts = {
        "tags": sorted(set(tags)),
        "priority": priority,
        "dueAt": due_at.astimezone(UTC).isoformat() if due_at else None,
        "changedAt": changed_at.astimezone(UTC).isoformat(),
    }
    current = p["tasks"].get(task_id) or p["done"].get(task_id)
    if current is not None and current.get("changedAt", "") > facts["changedAt"]:
        return p  # an older announcement arriving late
    if task_id in p["done"]:
        p["done"][task_id] = {**p["done"][task_id], **facts}
    else:
        p["tasks"][task_id] = facts
        _trim(p["tasks"], MAX_OPEN, "changedAt")
    return p


def completed(profile: Profile | None, *, task_id: str, completed_at: datetime) -> Profile:
    """task.completed: the task's facts become a completion."""
    p = _copy(profile)
    facts = p["tasks"].pop(task_id, None) or p["done"].get(task_id) or {}
    p["done"][task_id] = {**facts, "completedAt": completed_at.astimezone(UTC).isoformat()}
    _trim(p["done"], MAX_DONE, "completedAt")
    return p


def deleted(profile: Profile | None, *, task_id: str) -> Profile:
    """task.deleted: an open task is forgotten; a completion stays part of the history."""
    p = _copy(profile)
    p["tasks"].pop(task_id, None)
    return p


@dataclass(frozen=True)
class Summary:
    completions: int
    tag_share: dict[str, float]  # share of completions carrying the tag
    tag_daypart: dict[str, tuple[str, float]]  # tag → (its usual daypart, share of the tag's)
    average_lateness_hours: float | None  # completed - due, over completions with a due date


def summarize(profile: Profile | None, timezone: str = "UTC") -> Summary:
    done = list((profile or empty())["done"].values())
    tz = zone(timezone)
    tag_counts: Counter[str] = Counter()
    tag_parts: dict[str, Counter[str]] = {}
    lateness: list[float] = []
    for c in done:
        finished = datetime.fromisoformat(c["completedAt"])
        part = daypart(finished.astimezone(tz).hour)
        for tag in c.get("tags", ()):
            tag_counts[tag] += 1
            tag_parts.setdefault(tag, Counter())[part] += 1
        if c.get("dueAt"):
            late = finished - datetime.fromisoformat(c["dueAt"])
            lateness.append(late.total_seconds() / 3600)
    total = len(done)
    usual: dict[str, tuple[str, float]] = {}
    for tag, parts in tag_parts.items():
        if tag_counts[tag] >= MIN_HISTORY:
            (part, n), *_ = sorted(parts.items(), key=lambda kv: (-kv[1], kv[0]))
            usual[tag] = (part, n / tag_counts[tag])
    return Summary(
        completions=total,
        tag_share={t: n / total for t, n in tag_counts.items()} if total else {},
        tag_daypart=usual,
        average_lateness_hours=sum(lateness) / len(lateness)
        if len(lateness) >= MIN_HISTORY
        else None,
    )


def _copy(profile: Profile | None) -> Profile:
    base = profile or empty()
    return {"tasks": dict(base.get("tasks", {})), "done": dict(base.get("done", {}))}


def _trim(facts: dict[str, Any], keep: int, by: str) -> None:
    if len(facts) > keep:
        for task_id, _ in sorted(facts.items(), key=lambda kv: kv[1].get(by, ""))[
            : len(facts) - keep
        ]:
            del facts[task_id]


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
