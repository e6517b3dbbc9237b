"""Request and response bodies of the backend's API, with the limits they enforce; each
request body makes the use case's command (service_layer/commands.py)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    model_validator,
)

from backend.db.models import DESCRIPTION_MAX, NAME_MAX, TAG_MAX, TAGS_MAX, TITLE_MAX, Task, User
from backend.domain.preferences import Channels
from backend.domain.recurrence import Recurrence
from backend.domain.timezones import Timezone
from backend.service_layer.commands import CreateTask, LogIn, RegisterUser, UpdateTask

Priority = Literal["low", "medium", "high", "urgent"]
REMIND_BEFORE_MAX = 7 * 24 * 60  # a week, in minutes


def _tags(values: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        tag = value.strip().lower()
        if not tag:
            raise ValueError("tags may not be blank")
        seen[tag] = None
    return list(seen)


def _title(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("title may not be blank")
    return value


Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX), AfterValidator(_title)]
Tags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=TAG_MAX)]],
    Field(max_length=TAGS_MAX),
    AfterValidator(_tags),
]


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    priority: Priority = "medium"
    tags: Tags = Field(default_factory=list)
    due_at: AwareDatetime | None = None
    remind_before_minutes: int | None = Field(default=None, ge=0, le=REMIND_BEFORE_MAX)
    recurrence: Recurrence | None = None

    @model_validator(mode="after")
    def _recurring_needs_due_date(self) -> "TaskCreate":
        if self.recurrence is not None and self.due_at is None:
            raise ValueError("a recurring task needs a due_at")
        return self

    def command(self) -> CreateTask:
        return CreateTask(
            title=self.title,
            description=self.description,
            priority=self.priority,
            tags=tuple(self.tags),
            due_at=self.due_at,
            remind_before_minutes=self.remind_before_minutes,
            recurrence=self.recurrence,
        )


class TaskUpdate(BaseModel):
    """Only the fields sent change; `due_at: null` clears the due date."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: str | None = Field(default=None, max_length=DESCRIPTION_MAX)
    priority: Priority | None = None
    tags: Tags | None = None
    due_at: AwareDatetime | None = None
    remind_before_minutes: int | None = Field(default=None, ge=0, le=REMIND_BEFORE_MAX)
    recurrence: Recurrence | None = None

    def command(self) -> UpdateTask:
        return UpdateTask(changes=self.model_dump(exclude_unset=True))


class TaskPublic(BaseModel):
    id: str
    title: str
    description: str
    priority: Priority
    tags: list[str]
    due_at: datetime | None
    remind_before_minutes: int
    recurrence: Recurrence | None
    completed: bool
    completed_at: datetime | None
    next_task_id: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, task: Task) -> "TaskPublic":
        return cls(
            id=task.id,
            title=task.title,
            description=task.description,
            priority=task.priority,  # type: ignore[arg-type]
            tags=list(task.tags),
            due_at=task.due_at,
            remind_before_minutes=task.remind_before_minutes,
            recurrence=Recurrence(task.recurrence) if task.recurrence else None,
            completed=task.completed_at is not None,
            completed_at=task.completed_at,
            next_task_id=task.next_task_id,
            created_at=task.created_at,
            updated_at=task.updated_at,
            version=task.version,
        )


class TaskPage(BaseModel):
    items: list[TaskPublic]
    next_cursor: str | None


def etag(task: Task) -> str:
    return f'"{task.version}"'


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=8, max_length=256)
    display_name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    timezone: Timezone = "UTC"
    channels: Channels = ["in-app"]

    def command(self) -> RegisterUser:
        return RegisterUser(
            email=self.email,
            password=self.password,
            display_name=self.display_name,
            timezone=self.timezone,
            channels=tuple(self.channels),
        )


class UserPublic(BaseModel):
    id: str
    email: str
    display_name: str
    timezone: str
    channels: list[str]
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> "UserPublic":
        return cls.model_validate(user, from_attributes=True)


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)

    def command(self) -> LogIn:
        return LogIn(email=self.email, password=self.password)


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class OutboxBacklog(BaseModel):
    pending: int
    oldest_pending_seconds: float
    parked: int


class OutboxRetried(BaseModel):
    retried: int
