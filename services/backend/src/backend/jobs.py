"""What the scheduler calls (`POST /job/<name>`, through the sidecar, app token checked):
reminders and daily digests, carried out by service_layer/reminders.py."""

from typing import Any

from backend.service_layer import reminders
from dapr_common import JobHandlers
from dapr_common.deps import DaprDep
from dapr_common.postgres import DatabaseDep

jobs = JobHandlers()


@jobs.handler("reminder-*")
async def on_reminder(name: str, data: Any, database: DatabaseDep, dapr: DaprDep) -> None:
    await reminders.send_reminder(database.sessions, dapr, name, data)


@jobs.handler("digest-*")
async def on_digest(name: str, data: Any, database: DatabaseDep, dapr: DaprDep) -> None:
    await reminders.send_digest(database.sessions, dapr, name, data)
