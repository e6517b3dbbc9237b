"""When the next occurrence of a recurring task is due."""

import calendar
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Recurrence(StrEnum):
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"


def next_due(due_at: datetime, rule: Recurrence, timezone: str) -> datetime:
    """The next due time after `due_at` by `rule`, keeping the wall-clock time in the user's
    timezone (09:00 stays 09:00 across a DST change); a monthly task due on the 31st falls on
    the last day of shorter months. Returns an aware datetime in UTC."""
    if due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    zone = ZoneInfo(timezone)
    local = due_at.astimezone(zone)
    naive = local.replace(tzinfo=None)
    if rule is Recurrence.daily:
        nxt = naive + timedelta(days=1)
    elif rule is Recurrence.weekly:
        nxt = naive + timedelta(weeks=1)
    else:
        year, month = (naive.year + 1, 1) if naive.month == 12 else (naive.year, naive.month + 1)
        day = min(naive.day, calendar.monthrange(year, month)[1])
        nxt = naive.replace(year=year, month=month, day=day)
    return nxt.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))
