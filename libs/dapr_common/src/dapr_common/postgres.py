"""PostgreSQL plumbing the services share: settings, engine, sessions, Alembic migrations.

Install with the `postgres` extra. Each service keeps its own tables, database and migration
scripts; this module only runs them and refuses to serve an out-of-date schema.

Migrations are expand/contract: a release only adds what the release before can ignore (and
drops only what that release no longer uses), so release N-1 runs on N's schema and a
`kubectl rollout undo` works. A service therefore serves on its own head revision or on a
newer one it does not know, and refuses only a schema behind its code. Migrators that start
together (replicas, init containers) take turns on an advisory lock.
"""

import asyncio
import json
import logging
import os
import re
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from alembic import command, context
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import Depends
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import URL, Connection, MetaData, event, text
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dapr_common.client import DaprClient
from dapr_common.deps import Resources, provided

log = logging.getLogger(__name__)


class PostgresSettings(BaseSettings):
    """Where the service's database is; the password is read from the Dapr secret store."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    postgres_host: str = "127.0.0.1"
    postgres_port: int = 5432
    postgres_db: str = "postgres"
    postgres_user: str = "todo"
    postgres_password_secret: str = "postgres-password"
    # Connections per process, never more (no overflow): with backend at its HPA maximum (10)
    # and notification-service's 2 replicas, 12 x 6 = 72 stay under PostgreSQL's default
    # max_connections (100, 3 of them reserved); tests/deploy checks the sum.
    postgres_pool_size: int = 6

    def database_url(self, password: str) -> URL:
        return URL.create(
            "postgresql+asyncpg",
            username=self.postgres_user,
            password=password,
            host=self.postgres_host,
            port=self.postgres_port,
            database=self.postgres_db,
        )


# A pooled connection idle longer than this is pinged before use (see make_engine).
PING_AFTER_IDLE = 1.0


def make_engine(url: URL | str, pool_size: int = 6) -> AsyncEngine:
    """Bounded waits: while the database is down a request fails in seconds, it does not hang.

    A connection back in the pool for more than PING_AFTER_IDLE seconds is pinged at checkout
    and replaced if the ping fails (a restarted database, a dropped connection); one checked in
    just before is used as it is. SQLAlchemy's `pool_pre_ping` pinged at every checkout, and
    its asyncpg ping is three round trips (BEGIN, `;`, ROLLBACK): under load that was about
    half of a create's statements (issue #16). The price: a database that restarts within the
    second after a connection's last use fails that connection's next statement once (then
    the whole pool is renewed: SQLAlchemy invalidates it on a disconnect)."""
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=5,
        connect_args={"timeout": 3, "command_timeout": 15},
    )
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        idle = time.monotonic() - record.info.get("checked_in", time.monotonic())
        if idle <= PING_AFTER_IDLE:
            return
        try:
            dbapi_connection.ping()  # runs in SQLAlchemy's greenlet, as pool_pre_ping does
        except Exception as exc:
            raise DisconnectionError(f"pooled connection idle {idle:.0f}s failed its ping") from exc

    return engine


@asynccontextmanager
async def open_database(
    dapr: DaprClient, settings: PostgresSettings, migrations: "Migrations"
) -> AsyncIterator[AsyncEngine]:
    """The app's engine: password from the secret store, schema checked against the code's
    migrations (SchemaBehind if older), disposed on exit, also when the check fails."""
    password = await dapr.secrets.value(settings.postgres_password_secret)
    engine = make_engine(settings.database_url(password), settings.postgres_pool_size)
    try:
        await migrations.ensure_current(engine)
        yield engine
    finally:
        await engine.dispose()


def database_unavailable(exc: BaseException) -> bool:
    """Is this error the database being unreachable (down, restarting, refusing), as opposed
    to a bug or bad data?"""
    if isinstance(exc, OSError | TimeoutError | asyncio.TimeoutError | PoolTimeout):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        original = exc.orig
        name = type(original).__name__ if original is not None else ""
        cause = getattr(original, "__cause__", None)
        if isinstance(cause, ValueError):
            return False  # asyncpg's DataError (an argument it cannot encode), under InterfaceError
        return (
            name in _UNAVAILABLE
            or isinstance(cause, OSError)
            or type(cause).__name__ in _UNAVAILABLE
        )
    return False


_UNAVAILABLE = frozenset(
    {
        "CannotConnectNowError",
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "InterfaceError",
        "AdminShutdownError",
        "CrashShutdownError",
        "TooManyConnectionsError",
    }
)


def install_database_unavailable_handler(app: Any, service: str = "the database") -> None:
    """Answer 503 with Retry-After, and a message saying so, when the database is down."""
    from fastapi.responses import JSONResponse

    async def handler(request: Any, exc: Exception) -> Any:
        if not database_unavailable(exc):
            raise exc
        return JSONResponse(
            {"detail": f"{service} is unavailable right now, try again shortly"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    for kind in (DBAPIError, OSError, PoolTimeout, TimeoutError):
        app.add_exception_handler(kind, handler)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def database_reachable(engine: AsyncEngine) -> bool:
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class Database:
    """The app's database: its engine and the session factory over it."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @classmethod
    def of(cls, engine: AsyncEngine) -> "Database":
        return cls(engine, session_factory(engine))


async def database_ready(resources: Resources) -> bool:
    """A `health_router` check: the app's database answers `SELECT 1`."""
    return await database_reachable(resources.get(Database).engine)


async def _session(
    database: Annotated[Database, Depends(provided(Database))],
) -> AsyncIterator[AsyncSession]:
    async with database.sessions() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(provided(Database))]
SessionDep = Annotated[AsyncSession, Depends(_session)]


class SchemaBehind(RuntimeError):
    """The database's schema is older than this code's; run the migrations first."""


class Migrations:
    """A service's Alembic scripts: `python -m <service>.db.migrate [upgrade|current|check]`,
    with DATABASE_URL (postgresql+asyncpg://user:password@host:port/db) in the environment."""

    def __init__(self, scripts: Path, module: str) -> None:
        self.scripts = scripts
        self.module = module

    def config(self, url: str) -> Config:
        config = Config()
        config.set_main_option("script_location", str(self.scripts))
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        return config

    def head(self) -> str:
        head = ScriptDirectory(str(self.scripts)).get_current_head()
        assert head is not None
        return head

    async def current(self, engine: AsyncEngine) -> str | None:
        def read(connection: Connection) -> str | None:
            return MigrationContext.configure(connection).get_current_revision()

        async with engine.connect() as connection:
            return await connection.run_sync(read)

    def knows(self, revision: str) -> bool:
        """Whether `revision` is one of this code's own (else a newer release wrote it)."""
        try:
            return ScriptDirectory(str(self.scripts)).get_revision(revision) is not None
        except Exception:  # alembic's ResolutionError / CommandError: not ours
            return False

    async def ensure_current(self, engine: AsyncEngine) -> None:
        """Refuse to serve on a schema behind this code's head revision; serve on the head or
        on a newer revision this code does not know (expand/contract keeps it compatible)."""
        current, head = await self.current(engine), self.head()
        if current == head:
            return
        if current is None or self.knows(current):
            raise SchemaBehind(
                f"database schema is at {current or 'nothing'}, this service needs {head}: "
                f"run `python -m {self.module} upgrade` (make up does it)"
            )
        log.warning(
            "database schema is at %s, newer than this code's %s: serving on it "
            "(migrations are expand/contract)",
            current,
            head,
        )

    def _current_of(self, url: str) -> str | None:
        engine = create_async_engine(url)

        async def read() -> str | None:
            try:
                return await self.current(engine)
            finally:
                await engine.dispose()

        return asyncio.run(read())

    def upgrade(self, url: str, revision: str = "head") -> None:
        command.upgrade(self.config(url), revision)

    def main(self, argv: list[str]) -> int:
        url = os.environ.get("DATABASE_URL")
        if not url:
            print("DATABASE_URL is not set", file=sys.stderr)
            return 2
        action = argv[0] if argv else "upgrade"
        if action == "upgrade":
            current = self._current_of(url)
            if current is not None and not self.knows(current):
                # A newer release migrated: nothing of this code's to apply (a rollback's
                # pods start; expand/contract keeps this code working on that schema).
                print(f"schema at {current}, newer than this code's {self.head()}: left as it is")
                return 0
            self.upgrade(url, argv[1] if len(argv) > 1 else "head")
            return 0
        if action not in ("current", "check"):
            print(f"unknown action {action}: upgrade | current | check", file=sys.stderr)
            return 2
        engine = create_async_engine(url)
        try:
            if action == "current":
                print(asyncio.run(self.current(engine)))
            else:
                asyncio.run(self.ensure_current(engine))
        except SchemaBehind as exc:
            print(exc, file=sys.stderr)
            return 1
        finally:
            asyncio.run(engine.dispose())
        return 0


_MIGRATION_LOCK = 0x0D4B_0003  # any constant: the lock migrators of one database share


def run_alembic_env(metadata: MetaData, tables: set[str]) -> None:
    """The body of a service's `migrations/env.py`: migrate over asyncpg.

    `metadata` may hold other services' tables too (SQLModel's is one per process), so only
    `tables` are compared and migrated."""

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        return type_ != "table" or name in tables

    def run(connection: Connection) -> None:
        context.configure(connection=connection, target_metadata=metadata, include_object=include)
        with context.begin_transaction():
            # One migrator at a time (up to a minute's wait), the revision read after the
            # lock: those that waited find the schema current. The DDL itself waits at most
            # 10 s for a table lock, so a long query cannot queue every request behind it.
            connection.execute(text("SET LOCAL lock_timeout = '60s'"))
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            context.run_migrations()

    async def online() -> None:
        engine = create_async_engine(context.config.get_main_option("sqlalchemy.url") or "")
        async with engine.connect() as connection:
            await connection.run_sync(run)
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(url=context.config.get_main_option("sqlalchemy.url"), literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        asyncio.run(online())


_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000", re.IGNORECASE)


class RejectNulCharacters:
    """PostgreSQL text cannot hold U+0000: answer 422 for a query string or JSON body that
    carries one (raw, `%00` or `\\u0000`), instead of failing at the INSERT with a 500."""

    def __init__(self, app: ASGIApp, max_body: int = 1024 * 1024) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query or b"\x00" in scope.get("raw_path", b""):
            await _refuse(send, 422, NUL_MESSAGE)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
            if sum(map(len, chunks)) > self.max_body:
                await _refuse(send, 413, "request body too large")
                return
        body = b"".join(chunks)
        if b"\x00" in body or _NUL_ESCAPE.search(body):
            await _refuse(send, 422, NUL_MESSAGE)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


NUL_MESSAGE = "text must not contain NUL (U+0000) characters"


async def _refuse(send: Send, status: int, detail: str) -> None:
    # The shape of FastAPI's validation errors, so clients and schemas see one error format.
    error = {"type": "value_error", "loc": ["body"], "msg": detail, "input": None}
    payload = json.dumps({"detail": [error] if status == 422 else detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": payload})
