"""Which open tasks to do next, and why: a documented score over plain data, no I/O.

score = overdue (60 + 1 per hour late, at most +40)
      + due soon (40 within 24 h, 20 within 3 days)
      + priority (urgent 35, high 20, medium 8, low 0)
      + age (1 per day open, at most 10)
Ties go to the earlier due date, then the task id, so equal inputs rank the same way.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Priority = Literal["low", "medium", "high", "urgent"]
PRIORITY_POINTS: dict[str, float] = {"urgent": 35, "high": 20, "medium": 8, "low": 0}


@dataclass(frozen=True)
class OpenTask:
    id: str
    title: str
    priority: Priority = "medium"
    due_at: datetime | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class Recommendation:
    task_id: str
    title: str
    score: float
    reasons: tuple[str, ...]


def score(task: OpenTask, now: datetime) -> tuple[float, tuple[str, ...]]:
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
    return round(points, 3), tuple(reasons)


def rank(tasks: list[OpenTask], now: datetime, limit: int = 5) -> list[Recommendation]:
    """The `limit` best tasks to do next, best first."""
    scored = []
    for task in tasks:
        points, reasons = score(task, now)
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
