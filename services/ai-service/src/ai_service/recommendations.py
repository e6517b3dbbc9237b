"""Which open tasks to do next: plain functions over plain data, no I/O."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

Priority = Literal["low", "medium", "high", "urgent"]
_PRIORITY_RANK: dict[str, int] = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


class TaskSummary(BaseModel):
    id: str
    title: str
    priority: Priority = "medium"
    due_at: datetime | None = None
    completed: bool = False


def rank_tasks(tasks: list[TaskSummary], now: datetime, limit: int = 5) -> list[TaskSummary]:
    """Open tasks, overdue first, then by priority, then soonest due; at most `limit`."""

    def key(task: TaskSummary) -> tuple[int, int, float]:
        overdue = task.due_at is not None and task.due_at < now
        due = task.due_at.timestamp() if task.due_at is not None else float("inf")
        return (0 if overdue else 1, _PRIORITY_RANK[task.priority], due)

    return sorted((t for t in tasks if not t.completed), key=key)[:limit]
