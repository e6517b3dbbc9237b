"""What notification-service consumes: the backend's events, each effect once per event id.

While PostgreSQL is unreachable a delivery is held and its handler run again until the
database answers (`hold_while`), so an outage longer than Dapr's delivery retries neither
dead-letters good events nor loses them.

The processed-event id is inserted in the same transaction as the notification; a redelivery
hits the primary key and changes nothing. An event that does not decode is dropped to its
topic's dead-letter topic (`dlq-<topic>`), never retried forever, and the partition flows on.
Every dead-letter topic is collected here (see `dead_letters`).
"""

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from sqlalchemy import and_, case, func
from sqlalchemy.dialects.postgresql import insert

from dapr_common import CloudEvent, Subscriptions
from dapr_common.postgres import Database, DatabaseDep, database_unavailable
from notification_service.api.deps import MailerDep
from notification_service.db.models import KnownTask, ProcessedEvent, Recipient
from notification_service.service_layer import dead_letters, notifications
from notification_service.service_layer.email import Mailer
from notification_service.service_layer.notifications import SendNotification

# An outage of the database is waited out, delivery held: it is no fault of the event, and the
# dead-letter topics' subscriber (below) needs the same database.
subscriptions = Subscriptions(hold_while=database_unavailable)


class Incoming(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class UserRegistered(Incoming):
    user_id: str = Field(max_length=36)
    email: str = Field(max_length=254)
    display_name: str = Field(max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    channels: list[Literal["in-app", "email"]] = Field(default=["in-app"], min_length=1)


class TaskAnnounced(Incoming):
    """task.created / task.updated: what a later message needs to name the task."""

    task_id: str = Field(max_length=36)
    user_id: str = Field(max_length=36)
    version: int | None = Field(default=None, ge=1, le=2**31 - 1)  # None: an older backend
    title: str = Field(max_length=300)
    due_at: AwareDatetime | None = None
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class TaskCompleted(Incoming):
    """Names the task itself (title, due date: a backend that predates it does not, and the
    known task is the fallback)."""

    task_id: str = Field(max_length=36)
    user_id: str = Field(max_length=36)
    title: str | None = Field(default=None, max_length=300)
    due_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None


def _processed(event: CloudEvent[Any]) -> ProcessedEvent:
    return ProcessedEvent(event_id=event.id, topic=event.topic)


def _mail(mailer: Mailer, outcome: notifications.Outcome) -> None:
    """A mail committed with the notification: the mailer sends it now (at least once)."""
    if outcome.created and outcome.notification.email_status == "pending":
        mailer.wake()


@subscriptions.topic(
    "user.registered", model=UserRegistered, dead_letter_topic="dlq-user-registered"
)
async def on_user_registered(
    event: CloudEvent[UserRegistered], database: DatabaseDep, mailer: MailerDep
) -> None:
    """Learn the user's address, then welcome them (by email too when they asked for it)."""
    user = event.data
    async with database.sessions() as session:
        await session.merge(
            Recipient(
                user_id=user.user_id,
                email=user.email,
                display_name=user.display_name,
                timezone=user.timezone,
                channels=list(user.channels),
            )
        )
        await session.flush()
        outcome = await notifications.store(
            session,
            SendNotification(user_id=user.user_id, type="welcome", channels=tuple(user.channels)),
            event=_processed(event),
        )
    _mail(mailer, outcome)


async def _remember_task(event: CloudEvent[TaskAnnounced], database: DatabaseDep) -> None:
    task = event.data
    changed_at = task.updated_at or task.created_at or datetime.fromtimestamp(0).astimezone()
    row = {
        "task_id": task.task_id,
        "user_id": task.user_id,
        "title": task.title,
        "due_at": task.due_at,
        "updated_at": changed_at,
        "version": task.version,
    }
    stmt = insert(KnownTask).values(**row)
    # Topics are not ordered with each other: keep the newest announcement only, by the task's
    # version (its writes are serialized in the backend's database); by time only when one
    # side has no version (a backend that predates it), as replicas' clocks differ.
    known = KnownTask.__table__.c  # type: ignore[attr-defined]
    newer = case(
        (
            and_(known.version.is_not(None), stmt.excluded.version.is_not(None)),
            known.version < stmt.excluded.version,
        ),
        else_=known.updated_at <= stmt.excluded.updated_at,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["task_id"],
        set_={
            **{k: stmt.excluded[k] for k in ("title", "due_at", "updated_at")},
            "version": func.coalesce(stmt.excluded.version, known.version),
        },
        where=newer,
    )
    async with database.sessions() as session:
        await session.exec(stmt)
        await session.commit()


@subscriptions.topic("task.created", model=TaskAnnounced, dead_letter_topic="dlq-task-created")
async def on_task_created(event: CloudEvent[TaskAnnounced], database: DatabaseDep) -> None:
    """No notification; remember the title so "task completed" can name the task."""
    await _remember_task(event, database)


@subscriptions.topic("task.updated", model=TaskAnnounced, dead_letter_topic="dlq-task-updated")
async def on_task_updated(event: CloudEvent[TaskAnnounced], database: DatabaseDep) -> None:
    await _remember_task(event, database)


@subscriptions.topic("task.completed", model=TaskCompleted, dead_letter_topic="dlq-task-completed")
async def on_task_completed(
    event: CloudEvent[TaskCompleted], database: DatabaseDep, mailer: MailerDep
) -> None:
    done = event.data
    async with database.sessions() as session:
        known = await session.get(KnownTask, done.task_id)
        outcome = await notifications.store(
            session,
            SendNotification(
                user_id=done.user_id,
                type="task_completed",
                task_id=done.task_id,
                data={
                    "task_title": done.title or (known.title if known else None),
                    "due_at": done.due_at if done.title else (known.due_at if known else None),
                    "completed_at": done.completed_at,
                },
            ),
            event=_processed(event),
        )
    _mail(mailer, outcome)


def _dead_letter_handler(dlq: str) -> Callable[[CloudEvent[Any], Database], Awaitable[None]]:
    async def on_dead_letter(event: CloudEvent[Any], database: DatabaseDep) -> None:
        await dead_letters.store(database.sessions, dlq, event)

    on_dead_letter.__name__ = f"on_{dlq.replace('-', '_')}"
    return on_dead_letter


for _dlq in dead_letters.TOPICS:
    # Any payload decodes (model=Any), and there is no dead-letter topic for dead letters:
    # one that cannot be stored now is retried.
    subscriptions.topic(_dlq, model=Any)(_dead_letter_handler(_dlq))
