"""A user's activity profile, built from the backend's task events: what they finish, when,
and how late. Pure data and functions, no I/O; service_layer/activity.py keeps them in the
state store.

Two kinds of value, each a set of facts that converges whatever the order or repetition of
the events, so the subscribers need no record of processed event ids:
- `Facts`, one per task: its newest tags, priority and due date (by the task's `version`, by
  `changedAt` for an event from a backend that predates versions), plus
  `completedAt` once completed and `deleted` once deleted. Small, written once per event.
- `History`, one per user: the facts of its last MAX_DONE completed tasks, keyed by task id.
  Written only when a completed task's facts change. Statistics are derived when read.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MAX_DONE = 500  # completions kept per user: the recent past is what predicts
MIN_HISTORY = 3  # completions before the profile says anything

Facts = dict[str, Any]
History = dict[str, Any]  # {"done": {task id: Facts with completedAt}}

DAYPARTS = (("night", 0, 5), ("morning", 5, 12), ("afternoon", 12, 17), ("evening", 17, 22))


def daypart(hour: int) -> str:
    for name, start, end in DAYPARTS:
        if start <= hour < end:
            return name
    return "night"


def announced(
    facts: Facts | None,
    *,
    tags: list[str],
    priority: str,
    due_at: datetime | None,
    changed_at: datetime,
    version: int | None = None,
) -> Facts:
    """task.created / task.updated: the newest announcement's facts win. Newest by the task's
    version (its writes are serialized by the backend's database), not by the time stamped on
    the event: replicas' clocks differ. By time only when one side has no version."""
    new: Facts = {
        "tags": sorted(set(tags)),
        "priority": priority,
        "dueAt": due_at.astimezone(UTC).isoformat() if due_at else None,
        "changedAt": changed_at.astimezone(UTC).isoformat(),
    }
    if version is not None:
        new["version"] = version
    current = facts or {}
    if "version" in current and version is not None:
        older = current["version"] >= version
    else:
        older = current.get("changedAt", "") >= new["changedAt"]
    if older:
        return current  # the same announcement again, or an older one arriving late
    return {**current, **new}


def completed(facts: Facts | None, *, completed_at: datetime) -> Facts:
    """task.completed: the latest completion time is kept."""
    current = facts or {}
    at = completed_at.astimezone(UTC).isoformat()
    return current if current.get("completedAt", "") >= at else {**current, "completedAt": at}


def deleted(facts: Facts | None) -> Facts:
    """task.deleted: marked, so the facts can expire sooner; a completion stays in the history."""
    return {**(facts or {}), "deleted": True}


def recorded(history: History | None, *, task_id: str, facts: Facts) -> History:
    """A completed task's facts into the user's history (the most informed facts win)."""
    done = dict((history or {}).get("done", {}))
    entry = {k: v for k, v in facts.items() if k != "deleted"}
    current = done.get(task_id)
    if current is not None and _rank(current) >= _rank(entry):
        return history or {"done": done}
    done[task_id] = entry
    if len(done) > MAX_DONE:
        for old, _ in sorted(done.items(), key=lambda kv: (kv[1]["completedAt"], kv[0]))[
            : len(done) - MAX_DONE
        ]:
            del done[old]
    return {"done": done}


def _rank(facts: Facts) -> tuple[int, str, str]:
    return (facts.get("version", 0), facts.get("changedAt", ""), facts.get("completedAt", ""))


@dataclass(frozen=True)
class Summary:
    completions: int
    tag_share: dict[str, float]  # share of completions carrying the tag
    tag_daypart: dict[str, tuple[str, float]]  # tag → (its usual daypart, share of the tag's)
    average_lateness_hours: float | None  # completed - due, over completions with a due date


def summarize(history: History | None, timezone: str = "UTC") -> Summary:
    done = list((history or {}).get("done", {}).values())
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


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
