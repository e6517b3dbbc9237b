"""make_engine against the stack's real PostgreSQL: a connection back in the pool a moment ago
is used without a ping (issue #16: SQLAlchemy's pre-ping was three round trips at every
checkout), and one idle longer whose server side went away is replaced before use."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncEngine

from dapr_common import postgres
from devstack.testing import RunningStack


@pytest.fixture
async def engine(running_stack: RunningStack) -> AsyncIterator[AsyncEngine]:
    engine = postgres.make_engine(running_stack.stack.database_url("postgres"), pool_size=1)
    yield engine
    await engine.dispose()


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every ping the pool sends, counted."""
    seen: list[float] = []
    ping = AsyncAdapt_asyncpg_connection.ping

    def counted(self: Any) -> None:
        seen.append(1.0)
        ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    return seen


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_just_checked_in_is_used_without_a_ping(
    engine: AsyncEngine, pings: list[float]
) -> None:
    first = await backend_pid(engine)
    for _ in range(10):
        assert await backend_pid(engine) == first  # the one pooled connection, reused
    assert pings == []
    await asyncio.sleep(postgres.PING_AFTER_IDLE + 0.2)
    assert await backend_pid(engine) == first
    assert len(pings) == 1, "an idle connection was used without a ping"


async def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    engine: AsyncEngine, running_stack: RunningStack, pings: list[float]
) -> None:
    dropped = await backend_pid(engine)
    running_stack.query("postgres", f"SELECT pg_terminate_backend({dropped})")
    await asyncio.sleep(postgres.PING_AFTER_IDLE + 0.2)
    assert await backend_pid(engine) != dropped  # no error: the ping failed, a new connection
    assert len(pings) == 1
