"""The bodies of notification-service's invoked methods (camelCase on the wire)."""

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from notification_service.db.models import MESSAGE_MAX, TITLE_MAX, Notification
from notification_service.service_layer.notifications import SendNotification

NotificationType = Literal["welcome", "reminder", "digest", "task_completed", "custom"]
Channel = Literal["in-app", "email"]


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class DigestTask(Wire):
    title: str = Field(max_length=TITLE_MAX)
    due_at: AwareDatetime | None = None


class TemplateData(Wire):
    """What the type's template needs (templates/<type>.jinja)."""

    task_title: str | None = Field(default=None, max_length=TITLE_MAX)
    due_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    tasks: list[DigestTask] = Field(default_factory=list, max_length=100)


class SendRequest(Wire):
    """Either `title` (and `message`) as written by the caller, or `data` for the type's
    template, rendered with the user's name and in `timezone` (default: the user's own)."""

    user_id: str = Field(min_length=1, max_length=36)
    type: NotificationType
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    message: str = Field(default="", max_length=MESSAGE_MAX)
    data: TemplateData = Field(default_factory=TemplateData)
    timezone: str | None = Field(default=None, max_length=64)
    channels: list[Channel] = Field(default=["in-app"], min_length=1, max_length=2)
    task_id: str | None = Field(default=None, max_length=36)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)

    @model_validator(mode="after")
    def _custom_needs_a_title(self) -> "SendRequest":
        if self.type == "custom" and self.title is None:
            raise ValueError("a custom notification needs a title")
        if len(set(self.channels)) != len(self.channels):
            raise ValueError("channels must not repeat")
        return self

    def command(self) -> SendNotification:
        return SendNotification(
            user_id=self.user_id,
            type=self.type,
            channels=tuple(self.channels),
            title=self.title,
            message=self.message,
            data=dict(self.data),
            timezone=self.timezone,
            task_id=self.task_id,
            idempotency_key=self.idempotency_key,
        )


class SendResult(Wire):
    id: str
    delivered: list[Channel]


class NotificationPublic(Wire):
    id: str
    type: str
    title: str
    message: str
    channels: list[str]
    task_id: str | None
    email_status: str | None
    read: bool
    read_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, n: Notification) -> "NotificationPublic":
        return cls(
            id=n.id,
            type=n.type,
            title=n.title,
            message=n.message,
            channels=list(n.channels),
            task_id=n.task_id,
            email_status=n.email_status,
            read=n.read_at is not None,
            read_at=n.read_at,
            created_at=n.created_at,
        )


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    next_cursor: str | None


class DeadLetterPublic(Wire):
    id: str
    topic: str
    original_topic: str
    event_id: str
    payload: dict[str, Any]
    error: str | None
    times_dead_lettered: int
    received_at: datetime
    replayed_at: datetime | None


class ReadOutcome(Wire):
    """Whether the notification was found (and is now read). Not found is a 200 too: Dapr
    counts every non-2xx answer against the caller's circuit breaker, so an answer a user
    can provoke at will must not be one."""

    marked: bool


class DeadLetterPage(BaseModel):
    items: list[DeadLetterPublic]
    next_cursor: str | None


class Replayed(Wire):
    id: str
    replayed_to: str
    event_id: str
    replayed_at: datetime
