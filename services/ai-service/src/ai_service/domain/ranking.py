"""Which open tasks to do next, and why: a documented score over plain data, no I/O.

score = overdue (60 + 1 per hour late, at most +40)
      + due soon (40 within 24 h, 20 within 3 days)
      + priority (urgent 35, high 20, medium 8, low 0)
      + age (1 per day open, at most 10)
      + history, from the user's activity profile (domain/profile.py), once they finished 3 tasks:
          tag affinity (up to 10: the share of their completions carrying the task's tag),
          time of day (8 when now is the part of the day they usually finish that tag's tasks),
          lateness (5 for a task due within 3 days when they usually finish > 12 h late).
History adds at most 23 points, so it reorders tasks of like urgency and never lifts a
not-due low-priority task above an overdue urgent one (at least 95 points).
Ties go to the earlier due date, then the task id, so equal inputs rank the same way.
"""

import heapq
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

from ai_service.domain.profile import MIN_HISTORY, Summary, daypart, zone

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


_DAY = timedelta(days=1)
_THREE_DAYS = timedelta(days=3)
_ZERO = timedelta(0)


def score(
    task: OpenTask,
    now: datetime,
    history: Summary | None = None,
    timezone: str = "UTC",
    *,
    explain: bool = True,
) -> tuple[float, tuple[str, ...]]:
    """The task's points and, with `explain`, the reasons behind them (ranking scores every
    task without reasons first, then explains only the ones it returns)."""
    points = 0.0
    reasons: list[str] = []
    if task.due_at is not None:
        late = now - task.due_at
        if late > _ZERO:
            points += 60 + min(late.total_seconds() / 3600, 40)
            if explain:
                reasons.append(f"overdue by {_span(late)}")
        elif -late <= _DAY:
            points += 40
            if explain:
                reasons.append(f"due in {_span(-late)}")
        elif -late <= _THREE_DAYS:
            points += 20
            if explain:
                reasons.append(f"due in {_span(-late)}")
    points += PRIORITY_POINTS[task.priority]
    if explain and task.priority in ("urgent", "high"):
        reasons.append(f"{task.priority} priority")
    if task.created_at is not None:
        days = max((now - task.created_at).total_seconds() / 86400, 0)
        points += min(days, 10)
        if explain and days >= 7:
            reasons.append(f"open for {int(days)} days")
    if history is not None and history.completions >= MIN_HISTORY:
        points += _from_history(task, now, history, timezone, reasons if explain else None)
    return round(points, 3), tuple(reasons)


def _from_history(
    task: OpenTask, now: datetime, history: Summary, timezone: str, reasons: list[str] | None
) -> float:
    points = 0.0
    if task.tags:
        share, tag = max((history.tag_share.get(t, 0.0), t) for t in task.tags)
        if share >= 0.25:
            points += min(10.0, 10 * share)
            if reasons is not None:
                reasons.append(f"you often finish '{tag}' tasks")
        part_now = _daypart_at(now, timezone)
        for tag in sorted(task.tags):
            usual = history.tag_daypart.get(tag)
            if usual is not None and usual[0] == part_now and usual[1] >= 0.5:
                points += 8
                if reasons is not None:
                    reasons.append(f"you usually finish '{tag}' tasks in the {part_now}")
                break
    late = history.average_lateness_hours
    if late is not None and late > 12 and task.due_at is not None:
        ahead = task.due_at - now
        if _ZERO < ahead <= _THREE_DAYS:
            points += 5
            if reasons is not None:
                reasons.append(
                    f"you tend to finish {round(late)} h after the due date: start early"
                )
    return points


def rank(
    tasks: list[OpenTask],
    now: datetime,
    limit: int = 5,
    history: Summary | None = None,
    timezone: str = "UTC",
) -> list[Recommendation]:
    """The `limit` best tasks to do next, best first."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    keyed = []
    for task in tasks:
        points, _ = score(task, now, history, timezone, explain=False)
        assert math.isfinite(points)
        keyed.append(((-points, task.due_at or far, task.id), task))
    best = heapq.nsmallest(limit, keyed, key=lambda item: item[0])
    out = []
    for (neg_points, _, _), task in best:
        _, reasons = score(task, now, history, timezone)
        out.append(Recommendation(task.id, task.title, -neg_points, reasons))
    return out


@lru_cache(maxsize=256)
def _daypart_at(now: datetime, timezone: str) -> str:
    return daypart(now.astimezone(zone(timezone)).hour)


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"
