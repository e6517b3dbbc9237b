"""Per-user preferences in the Dapr state store (30-day TTL, refreshed on write), and the
daily digest job they drive."""

from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backend.db.models import User
from backend.domain.reminders import DEFAULT_REMIND_BEFORE_MINUTES, digest_job_name, digest_schedule
from backend.service_layer.tasks import JobsUnavailable
from dapr_common import DaprClient, DaprError

TTL = timedelta(days=30)


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown timezone {value!r}") from exc
    return value


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("channels must not repeat")
    return values


Channels = Annotated[
    list[Literal["in-app", "email"]], Field(min_length=1, max_length=2), AfterValidator(_unique)
]


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: Annotated[str, Field(max_length=64), AfterValidator(_zone)] = "UTC"
    digest_enabled: bool = False
    digest_time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    reminder_minutes_before: int = Field(default=DEFAULT_REMIND_BEFORE_MINUTES, ge=0, le=10080)
    channels: Channels = ["in-app"]


def key(user: User) -> str:
    return f"prefs-{user.id}"


async def get_preferences(dapr: DaprClient, user: User) -> Preferences:
    item = await dapr.state.get(key(user))
    if item is None:
        return Preferences(timezone=user.timezone, channels=user.channels)  # type: ignore[arg-type]
    return Preferences.model_validate(item.value)


async def preferences_or_defaults(dapr: DaprClient, user: User) -> Preferences:
    """The user's preferences, or their defaults while the state store is unreachable: for
    work that must go on regardless (a reminder is better sent to the default channels)."""
    try:
        return await get_preferences(dapr, user)
    except DaprError:
        return Preferences(timezone=user.timezone, channels=user.channels)  # type: ignore[arg-type]


async def put_preferences(dapr: DaprClient, user: User, prefs: Preferences) -> Preferences:
    """Keep the digest job in step first: if the scheduler refuses, nothing is saved."""
    name = digest_job_name(user.id)
    try:
        if prefs.digest_enabled:
            await dapr.jobs.schedule(
                name,
                schedule=digest_schedule(prefs.digest_time, prefs.timezone),
                data={"userId": user.id},
                overwrite=True,
            )
        else:
            await dapr.jobs.delete(name)
    except DaprError as exc:
        raise JobsUnavailable(str(exc)) from exc
    await dapr.state.save(key(user), prefs.model_dump(), ttl=TTL)
    return prefs
