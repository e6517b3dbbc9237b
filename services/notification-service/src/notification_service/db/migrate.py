"""Schema migrations (Alembic): `python -m notification_service.db.migrate [upgrade|current|check]`.

The database URL comes from DATABASE_URL (postgresql+asyncpg://user:password@host:port/db).
"""

import asyncio
import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaBehind(RuntimeError):
    """The database's schema is older than this code's; run the migrations first."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def ensure_current(engine: AsyncEngine) -> None:
    """Refuse to serve on a schema that is not this code's head revision."""
    current, head = await current_revision(engine), head_revision()
    if current != head:
        raise SchemaBehind(
            f"database schema is at {current or 'nothing'}, this service needs {head}: "
            "run `python -m notification_service.db.migrate upgrade` (make up does it)"
        )


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def main(argv: list[str]) -> int:
    url = os.environ.get("DATABASE_URL")
    if not url:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    action = argv[0] if argv else "upgrade"
    if action == "upgrade":
        upgrade(url, argv[1] if len(argv) > 1 else "head")
        return 0
    engine = create_async_engine(url)
    try:
        if action == "current":
            print(asyncio.run(current_revision(engine)))
            return 0
        if action == "check":
            asyncio.run(ensure_current(engine))
            return 0
    except SchemaBehind as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        asyncio.run(engine.dispose())
    print(f"unknown action {action}: upgrade | current | check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
