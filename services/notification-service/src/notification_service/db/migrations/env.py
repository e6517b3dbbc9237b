"""Alembic environment: the service's SQLModel tables, migrated over asyncpg."""

from sqlmodel import SQLModel

from dapr_common.postgres import run_alembic_env
from notification_service.db import models  # noqa: F401  (registers the tables)

run_alembic_env(SQLModel.metadata, {"notifications", "processed_events", "dead_letters"})
