"""What notification-service does with the backend's events: each effect once per event id.

The processed-event id is inserted in the same transaction as the notification; a redelivery
hits the primary key and changes nothing.
"""

from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel
from sqlalchemy.exc import IntegrityError

from dapr_common import CloudEvent, Subscriptions
from notification_service.db.models import Notification, ProcessedEvent

subscriptions = Subscriptions()


class Incoming(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class UserRegistered(Incoming):
    user_id: str
    email: str
    display_name: str
    timezone: str


class TaskCompleted(Incoming):
    task_id: str
    user_id: str


async def apply_once(request: Request, event: CloudEvent[Any], notification: Notification) -> bool:
    """Store `notification` unless this event id was processed; True when stored now."""
    async with request.app.state.sessions() as session:
        session.add(ProcessedEvent(event_id=event.id, topic=event.topic))
        session.add(notification)
        try:
            await session.commit()
        except IntegrityError:
            await session.rollback()
            return False
    return True


@subscriptions.topic(
    "user.registered", model=UserRegistered, dead_letter_topic="dlq-user-registered"
)
async def on_user_registered(event: CloudEvent[UserRegistered], request: Request) -> None:
    user = event.data
    await apply_once(
        request,
        event,
        Notification(
            user_id=user.user_id,
            type="welcome",
            title=f"Welcome, {user.display_name}!",
            message="Your task list is ready. Add a task with a due date to get reminders.",
            channels=["in-app"],
        ),
    )


@subscriptions.topic("task.completed", model=TaskCompleted, dead_letter_topic="dlq-task-completed")
async def on_task_completed(event: CloudEvent[TaskCompleted], request: Request) -> None:
    await apply_once(
        request,
        event,
        Notification(
            user_id=event.data.user_id,
            type="task_completed",
            title="Task done, well done!",
            message="One less thing to think about.",
            channels=["in-app"],
            task_id=event.data.task_id,
        ),
    )
