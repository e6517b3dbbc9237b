"""Timezones a user may pick: IANA names the system's zone database knows."""

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field


def valid_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown timezone {value!r} (use an IANA name like Europe/Paris)"
        ) from exc
    return value


Timezone = Annotated[str, Field(max_length=64), AfterValidator(valid_timezone)]
