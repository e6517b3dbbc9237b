"""A user's preferences: timezone, daily digest, reminder lead time, channels."""

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from backend.domain.reminders import DEFAULT_REMIND_BEFORE_MINUTES
from backend.domain.timezones import Timezone


def _unique(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("channels must not repeat")
    return values


Channels = Annotated[
    list[Literal["in-app", "email"]], Field(min_length=1, max_length=2), AfterValidator(_unique)
]


class Preferences(BaseModel):
    model_config = ConfigDict(extra="forbid")

    timezone: Timezone = "UTC"
    digest_enabled: bool = False
    digest_time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    reminder_minutes_before: int = Field(default=DEFAULT_REMIND_BEFORE_MINUTES, ge=0, le=10080)
    channels: Channels = ["in-app"]
