"""Which open tasks to do next, and why: a documented score over plain data, no I/O.

score = overdue (60 + 1 per hour late, at most +40)
      + due soon (40 within 24 h, 20 within 3 days)
      + priority (urgent 35, high 20, medium 8, low 0)
      + age (1 per day open, at most 10)
      + history, from the user's activity profile (profile.py), once they finished 3 tasks:
          tag affinity (up to 10: the share of their completions carrying the task's tag),
          time of day (8 when now is the part of the day they usually finish that tag's tasks),
          lateness (5 for a task due within 3 days when they usually finish > 12 h late).
History adds at most 23 points, so it reorders tasks of like urgency and never lifts a
not-due low-priority task above an overdue urgent one (at least 95 points).
Ties go to the earlier due date, then the task id, so equal inputs rank the same way.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from ai_service.profile import MIN_HISTORY, Summary, daypart, zone

Priority = Literal["low", "medium", "high", "urgent"]
PRIORITY_POINTS: dict[str, float] = {"urgent": 35, "high": 20, "medium": 8, "low": 0}


@dataclass(frozen=True)
class OpenTask:
    id: str
    title: str
    priority: Priority = "medium"
    due_at: datetime | None = None
    created_at: datetime | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    task_id: str
    title: str
    score: float
    reasons: tuple[str, ...]


def score(
    task: OpenTask, now: datetime, history: Summary | None = None, timezone: str = "UTC"
) -> tuple[float, tuple[str, ...]]:
    points = 0.0
    reasons: list[str] = []
    if task.due_at is not None:
        late = now - task.due_at
        if late > timedelta(0):
            hours = late.total_seconds() / 3600
            points += 60 + min(hours, 40)
            reasons.append(f"overdue by {_span(late)}")
        elif -late <= timedelta(hours=24):
            points += 40
            reasons.append(f"due in {_span(-late)}")
        elif -late <= timedelta(days=3):
            points += 20
            reasons.append(f"due in {_span(-late)}")
    points += PRIORITY_POINTS[task.priority]
    if task.priority in ("urgent", "high"):
        reasons.append(f"{task.priority} priority")
    if task.created_at is not None:
        days = max((now - task.created_at).total_seconds() / 86400, 0)
        points += min(days, 10)
        if days >= 7:
            reasons.append(f"open for {int(days)} days")
    if history is not None and history.completions >= MIN_HISTORY:
        extra, why = _from_history(task, now, history, timezone)
        points += extra
        reasons.extend(why)
    return round(points, 3), tuple(reasons)


def _from_history(
    task: OpenTask, now: datetime, history: Summary, timezone: str
) -> tuple[float, list[str]]:
    points = 0.0
    reasons: list[str] = []
    shares = sorted(((history.tag_share.get(t, 0.0), t) for t in task.tags), reverse=True)
    if shares and shares[0][0] >= 0.25:
        share, tag = shares[0]
        points += min(10.0, 10 * share)
        reasons.append(f"you often finish '{tag}' tasks")
    part_now = daypart(now.astimezone(zone(timezone)).hour)
    for tag in sorted(task.tags):
        usual = history.tag_daypart.get(tag)
        if usual is not None and usual[0] == part_now and usual[1] >= 0.5:
            points += 8
            reasons.append(f"you usually finish '{tag}' tasks in the {part_now}")
            break
    late = history.average_lateness_hours
    if late is not None and late > 12 and task.due_at is not None:
        ahead = task.due_at - now
        if timedelta(0) < ahead <= timedelta(days=3):
            points += 5
            reasons.append(f"you tend to finish {round(late)} h after the due date: start early")
    return points, reasons


def rank(
    tasks: list[OpenTask],
    now: datetime,
    limit: int = 5,
    history: Summary | None = None,
    timezone: str = "UTC",
) -> list[Recommendation]:
    """The `limit` best tasks to do next, best first."""
    scored = []
    for task in tasks:
        points, reasons = score(task, now, history, timezone)
        assert math.isfinite(points)
        scored.append((task, points, reasons))
    far = datetime.max.replace(tzinfo=now.tzinfo)
    scored.sort(key=lambda item: (-item[1], item[0].due_at or far, item[0].id))
    return [Recommendation(t.id, t.title, points, reasons) for t, points, reasons in scored[:limit]]


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"
