"""What the backend's use cases are asked to do: plain data, made by the API from its request
bodies (api/schemas.py), so the service layer never depends on the HTTP shapes."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend.domain.recurrence import Recurrence


@dataclass(frozen=True)
class RegisterUser:
    email: str
    password: str
    display_name: str | None
    timezone: str
    channels: tuple[str, ...]


@dataclass(frozen=True)
class LogIn:
    email: str
    password: str


@dataclass(frozen=True)
class CreateTask:
    title: str
    description: str = ""
    priority: str = "medium"
    tags: tuple[str, ...] = ()
    due_at: datetime | None = None
    # None: the user's preferred lead time (or the default when preferences can't be read).
    remind_before_minutes: int | None = None
    recurrence: Recurrence | None = None


@dataclass(frozen=True)
class UpdateTask:
    """Only the fields named change; `due_at: None` clears the due date, a None
    `remind_before_minutes` restores the default; title, priority, tags and description
    cannot be cleared (a None leaves them)."""

    changes: Mapping[str, Any]
