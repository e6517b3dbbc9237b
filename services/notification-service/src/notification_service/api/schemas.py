"""The bodies of notification-service's invoked methods (camelCase on the wire)."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from notification_service.db.models import MESSAGE_MAX, TITLE_MAX, Notification

NotificationType = Literal["welcome", "reminder", "digest", "task_completed", "custom"]
Channel = Literal["in-app", "email"]


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class SendRequest(Wire):
    user_id: str = Field(min_length=1, max_length=36)
    type: NotificationType
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    message: str = Field(default="", max_length=MESSAGE_MAX)
    channels: list[Channel] = Field(default=["in-app"], min_length=1, max_length=2)
    task_id: str | None = Field(default=None, max_length=36)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=200)


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
            read=n.read_at is not None,
            read_at=n.read_at,
            created_at=n.created_at,
        )


class NotificationPage(BaseModel):
    items: list[NotificationPublic]
    next_cursor: str | None
