"""The outbox relay with several replicas and a broker that refuses: relays on one real
PostgreSQL database (a scratch one per test, migrated), publishing to a fake sidecar.

Issue #15, faults 1 and 2: a topic refused for good must not hold back the others, and a relay
that stalls mid-publish must not stop every other replica's relay."""

import asyncio
import contextlib
import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import OutboxEvent
from backend.service_layer.outbox_relay import Backlog, OutboxRelay
from dapr_common import DaprClient, DaprError, DaprSettings
from dapr_common.postgres import make_engine, session_factory
from dapr_common.testing import FakeSidecar, Recorded
from devstack.testing import RunningStack

pytestmark = pytest.mark.integration
BULK = "/v1.0-alpha1/publish/bulk/pubsub/"


@pytest.fixture
def database_url(running_stack: RunningStack) -> Iterator[str]:
    name = f"relay_{uuid.uuid4().hex[:10]}"
    running_stack.query("postgres", f'CREATE DATABASE "{name}"')
    url = running_stack.stack.database_url(name)
    subprocess.run(
        [sys.executable, "-m", "backend.db.migrate", "upgrade"],
        env={**os.environ, "DATABASE_URL": url},
        check=True,
        capture_output=True,
    )
    yield url
    running_stack.query("postgres", f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def sidecar() -> Iterator[FakeSidecar]:
    with FakeSidecar(assert_all_called=False) as fake:
        fake.post(f"{BULK}*").respond(204)
        yield fake


@pytest.fixture
async def dapr(sidecar: FakeSidecar) -> AsyncIterator[DaprClient]:
    async with DaprClient(DaprSettings(app_id="backend", dapr_http_endpoint=sidecar.url)) as dapr:
        yield dapr


async def commit(sessions: async_sessionmaker[AsyncSession], topic: str, count: int) -> list[str]:
    """`count` outbox rows of `topic` (a user each of 10), committed in order; their ids."""
    rows = [
        OutboxEvent(topic=topic, partition_key=f"user-{i % 10}", payload={"n": i})
        for i in range(count)
    ]
    async with sessions() as session, session.begin():
        for row in rows:
            session.add(row)
            await session.flush()  # seq in this order
    return [row.id for row in rows]


async def unsent(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        rows = await session.exec(select(OutboxEvent).where(col(OutboxEvent.sent_at).is_(None)))
        return len(rows.all())


def published(calls: list[Recorded]) -> list[str]:
    return [entry["entryId"] for call in calls for entry in call.json()]


async def test_a_topic_refused_for_good_does_not_hold_back_the_others(
    sessions: async_sessionmaker[AsyncSession], dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    """150 rows of a topic the sidecar refuses (403: not allowed to publish there) committed
    first, 30 of another after them: the 30 go out on the first passes; the refused ones wait
    their backoff, then are parked after `park_after` refusals, and an operator's retry puts
    them back in line."""
    refusal = {"errorCode": "ERR_PUBSUB_FORBIDDEN", "message": "topic task.created is not allowed"}
    refused_route = sidecar.post(f"{BULK}task.created").respond(403, json=refusal)
    accepted_route = sidecar.post(f"{BULK}task.updated").respond(204)
    refused = await commit(sessions, "task.created", 150)
    accepted = await commit(sessions, "task.updated", 30)
    relay = OutboxRelay(sessions, dapr)
    for _ in range(3):
        with contextlib.suppress(DaprError):
            await relay.publish_pending()
    assert sorted(published(accepted_route.calls)) == sorted(accepted)
    backlog = await relay.backlog()
    assert backlog.pending == 150 and backlog.parked == 0
    async with sessions() as session:
        waiting = (
            await session.exec(select(OutboxEvent).where(col(OutboxEvent.id).in_(refused)))
        ).all()
    assert all(r.attempts >= 1 and r.next_attempt_at is not None for r in waiting)
    assert "ERR_PUBSUB_FORBIDDEN" in (waiting[0].last_error or "")
    relay = OutboxRelay(
        sessions, dapr, retry_base=0.05, retry_cap=0.05, park_after=3, holder=relay.holder
    )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 20  # each row: its first backoff (0.5-1.5 s), 2 refusals more, parked
    while loop.time() < deadline and (await relay.backlog()).parked < 150:
        await relay.publish_pending()
        await asyncio.sleep(0.1)
    assert await relay.backlog() == type(backlog)(pending=0, oldest_pending_seconds=0, parked=150)
    calls_when_parked = refused_route.call_count
    await relay.publish_pending()
    assert refused_route.call_count == calls_when_parked  # parked rows are left out
    # the cause fixed, an operator puts them back: they go out
    refused_route.clear().respond(204)
    assert await relay.retry_parked() == 150
    await relay.publish_pending()
    await relay.publish_pending()
    assert set(published(refused_route.calls)) >= set(refused)
    assert (await relay.backlog()).pending == 0


async def test_kafka_down_counts_against_no_row(
    sessions: async_sessionmaker[AsyncSession], dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    """A whole call failing with a 5xx (Kafka down, however long) is an outage, not a refusal:
    the relay backs off, no row's count moves, none is ever parked for it."""
    ids = await commit(sessions, "task.created", 10)
    down = {"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "message": "kafka: out of brokers"}
    route = sidecar.post(f"{BULK}task.created").respond(500, json=down)
    relay = OutboxRelay(sessions, dapr, park_after=2)
    for _ in range(5):
        with pytest.raises(DaprError):
            await relay.publish_pending()
    async with sessions() as session:
        rows = (await session.exec(select(OutboxEvent))).all()
    assert {(r.attempts, r.parked_at, r.next_attempt_at) for r in rows} == {(0, None, None)}
    route.clear().respond(204)
    assert await relay.publish_pending() == len(ids)


async def test_a_topic_failing_whole_with_a_5xx_holds_back_no_other(
    sessions: async_sessionmaker[AsyncSession], dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    """Kafka up, one topic's every call a 500 (the topic missing, its messages too large):
    150 of its rows first, a whole batch and more, then 30 of another topic. They used to
    look like an outage, pass after pass on the same batch, and nothing went out. Now a full
    batch of one topic takes the oldest row of another along: that one goes out, so the 500s
    are the topic's refusals, its rows back off on their own, the 30 go out, and the failing
    rows are parked in the end."""
    missing = {"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "message": "kafka: unknown topic"}
    failing = sidecar.post(f"{BULK}task.created").respond(500, json=missing)
    accepted_route = sidecar.post(f"{BULK}task.updated").respond(204)
    stuck = await commit(sessions, "task.created", 150)
    accepted = await commit(sessions, "task.updated", 30)
    relay = OutboxRelay(sessions, dapr, retry_base=0.05, retry_cap=0.05, park_after=3)

    async def passes(until: Callable[[], Awaitable[bool]], more: int = 0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while not await until():
            assert loop.time() < deadline, await relay.backlog()
            if more:
                accepted.extend(await commit(sessions, "task.updated", more))
            with contextlib.suppress(DaprError):
                await relay.publish_pending()
            await asyncio.sleep(0.05)

    async def all_accepted_out() -> bool:
        return set(published(accepted_route.calls)) >= set(accepted)

    await passes(all_accepted_out)

    async def all_parked() -> bool:
        return (await relay.backlog()).parked == len(stuck)

    await passes(all_parked, more=5)  # steady traffic of another topic beside it
    await passes(all_accepted_out)
    assert await relay.backlog() == Backlog(pending=0, oldest_pending_seconds=0, parked=150)
    assert failing.called


async def test_a_relay_stalled_mid_publish_holds_back_the_others_only_for_its_lease(
    sessions: async_sessionmaker[AsyncSession], sidecar: FakeSidecar
) -> None:
    """Relay A's publish hangs (a half-open connection); relay B, another replica, takes over
    once A's lease (15 s) lapses and publishes everything while A is still hanging."""
    ids = await commit(sessions, "task.created", 20)
    route = sidecar.post(f"{BULK}task.created")
    route.clear().respond(204, delay=60).respond(204)  # the first call hangs, the rest answer
    settings = DaprSettings(app_id="backend", dapr_http_endpoint=sidecar.url)
    hanging = DaprSettings(app_id="backend", dapr_http_endpoint=sidecar.url, dapr_timeout=90)
    async with DaprClient(hanging) as dapr_a, DaprClient(settings) as dapr_b:
        a, b = OutboxRelay(sessions, dapr_a), OutboxRelay(sessions, dapr_b)
        stalled = asyncio.create_task(a.publish_pending())
        await asyncio.sleep(0.5)
        assert route.call_count == 1 and not stalled.done()  # A is inside its publish
        assert await b.publish_pending() == 0  # A's lease still holds
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 25
        sent = 0
        while sent < len(ids) and loop.time() < deadline:
            with contextlib.suppress(DaprError):
                sent += await b.publish_pending()
            await asyncio.sleep(0.5)
        assert sent == len(ids), "B never took over from the stalled A"
        assert not stalled.done()
        stalled.cancel()
    async with sessions() as session:
        rows = (await session.exec(select(OutboxEvent))).all()
    assert all(r.sent_at is not None for r in rows)


async def test_four_relays_on_one_database_publish_every_row_once_in_order(
    sessions: async_sessionmaker[AsyncSession], sidecar: FakeSidecar
) -> None:
    """Four replicas' relays running at once while 500 rows are committed in 5 waves: every
    row published, none twice, and each user's rows in commit order."""
    route = sidecar.post(f"{BULK}task.created").respond(204)
    settings = DaprSettings(app_id="backend", dapr_http_endpoint=sidecar.url)
    clients = [DaprClient(settings) for _ in range(4)]
    relays = [OutboxRelay(sessions, c, poll_interval=0.05) for c in clients]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    ids: list[str] = []
    try:
        for _ in range(5):
            ids += await commit(sessions, "task.created", 100)
            for r in relays:
                r.wake()
            await asyncio.sleep(0.1)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while loop.time() < deadline:
            if not await unsent(sessions):
                break
            await asyncio.sleep(0.1)
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            await c.aclose()
    out = published(route.calls)
    assert Counter(out) == Counter(ids), "a row lost or published twice"
    async with sessions() as session:
        seq = {r.id: r.seq for r in (await session.exec(select(OutboxEvent))).all()}
        keys = {r.id: r.partition_key for r in (await session.exec(select(OutboxEvent))).all()}
    for user in {keys[i] for i in ids}:
        mine = [seq[i] for i in out if keys[i] == user]
        assert mine == sorted(mine), f"{user}'s events out of order"


async def test_a_relay_that_stops_hands_its_lease_over_at_once(
    sessions: async_sessionmaker[AsyncSession], dapr: DaprClient
) -> None:
    """A replica shutting down (a rollout) gives the lease up: the next relay takes it at its
    next pass, not 15 s later (seen in CI: each API test's app left it held for the next)."""
    a, b = OutboxRelay(sessions, dapr), OutboxRelay(sessions, dapr)
    assert await a.take_lease()
    assert not await b.take_lease()
    await a.release_lease()
    assert await b.take_lease()


async def test_a_relay_holding_its_lease_renews_it_only_once_a_third_has_gone(
    sessions: async_sessionmaker[AsyncSession], dapr: DaprClient
) -> None:
    """Issue #16: a pass per committed event used to spend a transaction on the lease each
    time; the holder now renews only when a third of the lease has gone, and another relay
    still cannot take it meanwhile."""
    lease_statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "relay_lease" in statement:
            lease_statements.append(statement)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        a = OutboxRelay(sessions, dapr, lease=3.0)
        for _ in range(6):
            await commit(sessions, "task.created", 1)
            assert await a.publish_pending() == 1
        assert len(lease_statements) == 1, "the lease taken again within its first third"
        assert not await OutboxRelay(sessions, dapr).take_lease(), "the lease was not held"
        await asyncio.sleep(1.1)  # past a third of 3 s
        await commit(sessions, "task.created", 1)
        assert await a.publish_pending() == 1
        assert len(lease_statements) == 3  # the other relay's try, then a's renewal
    finally:
        event.remove(engine, "before_cursor_execute", seen)
