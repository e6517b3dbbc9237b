"""The backend's rules, without I/O."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from backend.domain.listing import PRIORITY_RANK, BadCursor, Cursor, Sort
from backend.domain.recurrence import Recurrence, next_due
from backend.domain.reminders import (
    DigestData,
    ReminderData,
    digest_schedule,
    reminder_job_name,
    reminder_time,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "rule", "tz", "expected"),
    [
        # 09:00 Paris stays 09:00 Paris across the end of daylight saving time (UTC+2 → UTC+1).
        (
            "2026-10-24T07:00:00+00:00",
            Recurrence.daily,
            "Europe/Paris",
            "2026-10-25T08:00:00+00:00",
        ),
        ("2026-11-27T12:00:00+00:00", Recurrence.weekly, "UTC", "2026-12-04T12:00:00+00:00"),
        # The 31st falls on the last day of a shorter month, and into the next year.
        ("2026-01-31T10:00:00+00:00", Recurrence.monthly, "UTC", "2026-02-28T10:00:00+00:00"),
        ("2026-12-15T10:00:00+00:00", Recurrence.monthly, "UTC", "2027-01-15T10:00:00+00:00"),
        # The local date decides: 23:30 in New York on the 31st is already the 1st in UTC.
        (
            "2026-02-01T04:30:00+00:00",
            Recurrence.monthly,
            "America/New_York",
            "2026-03-01T04:30:00+00:00",
        ),
    ],
)
def test_next_due(due: str, rule: Recurrence, tz: str, expected: str) -> None:
    assert next_due(datetime.fromisoformat(due), rule, tz) == datetime.fromisoformat(expected)


def test_next_due_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        next_due(datetime(2026, 1, 1), Recurrence.daily, "UTC")


def test_reminder_time() -> None:
    assert reminder_time(NOW + timedelta(hours=1), 30, NOW) == NOW + timedelta(minutes=30)
    assert reminder_time(NOW + timedelta(minutes=10), 30, NOW) is None  # already passed
    assert reminder_time(None, 30, NOW) is None
    assert reminder_job_name("42") == "reminder-42"


def test_digest_schedule() -> None:
    assert digest_schedule("08:05", "Europe/Paris") == "CRON_TZ=Europe/Paris 0 5 8 * * *"
    with pytest.raises(ValueError):
        digest_schedule("24:00", "UTC")


def test_cursor_round_trip_and_rejection() -> None:
    cursor = Cursor(Sort.due_at, "2026-11-27T12:00:00+00:00", "t1")
    assert Cursor.decode(cursor.encode(), Sort.due_at) == cursor
    with pytest.raises(BadCursor, match="sort=due_at"):
        Cursor.decode(cursor.encode(), Sort.priority)
    for junk in ("", "!!!", "eyJ4IjoxfQ", "bm90IGpzb24"):
        with pytest.raises(BadCursor):
            Cursor.decode(junk, Sort.due_at)


def test_sort_orders() -> None:
    assert sorted(PRIORITY_RANK, key=PRIORITY_RANK.__getitem__) == [
        "urgent",
        "high",
        "medium",
        "low",
    ]
    assert Sort("-priority").descending and Sort("-priority").field == "priority"


def test_job_data_is_what_the_backend_schedules_and_nothing_else() -> None:
    job = ReminderData.model_validate({"taskId": "t1", "dueAt": "2026-12-03T10:00:00+00:00"})
    assert (job.task_id, job.due_at.isoformat()) == ("t1", "2026-12-03T10:00:00+00:00")
    assert DigestData.model_validate({"userId": "u1"}).user_id == "u1"
    for junk in ([], "x", {"taskId": "t1", "dueAt": "2026-12-03T10:00:00"}, {"taskId": ""}):
        with pytest.raises(ValidationError):
            ReminderData.model_validate(junk)
    with pytest.raises(ValidationError):
        DigestData.model_validate({"userId": 7})
