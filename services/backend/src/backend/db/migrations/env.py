"""Alembic environment: the service's SQLModel tables, migrated over asyncpg."""

from sqlmodel import SQLModel

from backend.db import models  # noqa: F401  (registers the tables)
from dapr_common.postgres import run_alembic_env

run_alembic_env(SQLModel.metadata, {"users", "tasks", "outbox", "relay_lease"})
