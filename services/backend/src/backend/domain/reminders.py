"""When a task's reminder fires, and what the jobs are called."""

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

DEFAULT_REMIND_BEFORE_MINUTES = 30
# A firing the callback fails (notification-service unreachable, its breaker open, a database
# blip) is tried again every 10 s for 15 minutes; the idempotency key of a firing makes the
# tries one notification. (The scheduler's default: 3 tries 1 s apart, about 3 s.)
JOB_RETRY_INTERVAL = timedelta(seconds=10)
JOB_RETRIES = 90


class JobData(BaseModel):
    """What a job carries to its callback (camelCase, as the scheduler stores it)."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")


class ReminderData(JobData):
    task_id: str = Field(alias="taskId", min_length=1, max_length=36)
    due_at: AwareDatetime = Field(alias="dueAt")  # the due date the reminder was set for


class DigestData(JobData):
    user_id: str = Field(alias="userId", min_length=1, max_length=36)


def reminder_job_name(task_id: str) -> str:
    return f"reminder-{task_id}"


def digest_job_name(user_id: str) -> str:
    return f"digest-{user_id}"


def reminder_time(
    due_at: datetime | None, remind_before_minutes: int, now: datetime
) -> datetime | None:
    """`due_at - remind_before`, or None when there is no due date or that moment has passed."""
    if due_at is None:
        return None
    at = due_at - timedelta(minutes=remind_before_minutes)
    return at if at > now else None


def digest_schedule(digest_time: str, timezone: str) -> str:
    """Daily at `HH:MM` in the user's timezone, as a 6-field cron the Dapr scheduler takes."""
    hours, minutes = (int(part) for part in digest_time.split(":"))
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise ValueError(f"not a time of day: {digest_time}")
    return f"CRON_TZ={timezone} 0 {minutes} {hours} * * *"
