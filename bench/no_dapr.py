"""The create path without Dapr: the baseline of Dapr's tax (issue #16; `system.py --only tax`
measures it beside the stack's own create path).

The same work as backend's `POST /api/tasks` and notification-service's `task.created`, with
the sidecars taken out: a signed token checked (PyJWT, HS256), no user row read (as backend since #16), the task
and its outbox row inserted in one transaction (backend's own models, SQLModel + asyncpg, the
engine of `dapr_common.postgres`), a relay in the API's event loop publishing committed rows
to Kafka (aiokafka, acks=all, the user id as key, one batch per pass, the rows then marked sent
in one UPDATE), and one consumer, a process of its own in a consumer group, recording each
event's effect once per event id (processed id + known task, one transaction), as
notification-service does. It runs against the stack's PostgreSQL (a database of its own) and
Kafka (a topic and consumer group of its own each run, so no run reads an earlier one's events); the API is uvicorn, as backend is. Not in it: backend's drop of
the user's cached lists after the commit (a state call through its sidecar to Redis, counted
on the stack's side of the ratio) and ai-service's consumer (only in the whole-stack ratio).
When backend's create changes (no ORM flush, say), this must change with it.
"""

import asyncio
import contextlib
import json
import os
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from sqlalchemy import text

HERE = Path(__file__).resolve().parent
KEY = "bench-no-dapr-signing-key-of-32-bytes!"
DATABASE = "bench_no_dapr"


def create_api() -> Any:
    """The API process (`uvicorn no_dapr:create_api --factory`): POST /api/tasks, and the relay
    as a task of the same event loop, woken by each commit."""
    from aiokafka import AIOKafkaProducer
    from fastapi import FastAPI, Header, HTTPException
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError
    from sqlmodel import col, select

    from backend.db.models import OutboxEvent, Task
    from dapr_common.postgres import make_engine, session_factory

    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    sessions = session_factory(engine)
    woken = asyncio.Event()

    async def relay(producer: AIOKafkaProducer) -> None:
        while True:
            async with sessions() as session:
                pending = await session.exec(
                    select(OutboxEvent)
                    .where(col(OutboxEvent.sent_at).is_(None))
                    .order_by(col(OutboxEvent.seq))
                    .limit(100)
                )
                rows = list(pending.all())
            if not rows:
                woken.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), 1.0)
                continue
            sending = [
                await producer.send(
                    os.environ["BENCH_TOPIC"],
                    json.dumps({"id": r.id, "type": r.topic, "data": r.payload}).encode(),
                    key=r.partition_key.encode(),
                )
                for r in rows
            ]
            await asyncio.gather(*sending)
            async with sessions() as session, session.begin():
                await session.exec(  # type: ignore[call-overload]
                    update(OutboxEvent)
                    .where(col(OutboxEvent.id).in_([r.id for r in rows]))
                    .values(sent_at=datetime.now(UTC))
                )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        producer = AIOKafkaProducer(bootstrap_servers=os.environ["BENCH_BROKERS"], acks="all")
        await producer.start()
        relaying = asyncio.create_task(relay(producer))
        yield
        relaying.cancel()
        await producer.stop()
        await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/api/tasks", status_code=201)
    async def create(body: dict[str, Any], authorization: str = Header()) -> dict[str, Any]:
        try:
            claims = jwt.decode(authorization.removeprefix("Bearer "), KEY, algorithms=["HS256"])
        except jwt.PyJWTError as exc:
            raise HTTPException(401, str(exc)) from None
        now = datetime.now(UTC)
        user_id = claims["sub"]  # no user read, as backend's create: the foreign key checks it
        async with sessions() as session:
            task = Task(user_id=user_id, title=body["title"], created_at=now, updated_at=now)
            session.add(task)
            payload = {"taskId": task.id, "userId": user_id, "title": task.title, "version": 1}
            session.add(OutboxEvent(topic="task.created", partition_key=user_id, payload=payload))
            try:
                await session.commit()
            except IntegrityError:
                raise HTTPException(401, "no such user") from None
        woken.set()
        return {"id": task.id, "title": task.title}

    return app


async def consume() -> None:
    """The consumer process: each event's effect once per event id, in one transaction."""
    from aiokafka import AIOKafkaConsumer
    from sqlalchemy.dialects.postgresql import insert

    from dapr_common.postgres import make_engine, session_factory
    from notification_service.db.models import KnownTask, ProcessedEvent

    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    sessions = session_factory(engine)
    consumer = AIOKafkaConsumer(
        os.environ["BENCH_TOPIC"],
        bootstrap_servers=os.environ["BENCH_BROKERS"],
        group_id=os.environ["BENCH_TOPIC"],
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        async for message in consumer:
            event = json.loads(message.value)
            data = event["data"]
            async with sessions() as session, session.begin():
                first = insert(ProcessedEvent).values(
                    event_id=event["id"], topic=event["type"], processed_at=datetime.now(UTC)
                )
                if (
                    await session.exec(first.on_conflict_do_nothing().returning(text("1")))
                ).first():
                    known = {
                        "task_id": data["taskId"],
                        "user_id": data["userId"],
                        "title": data["title"],
                        "updated_at": datetime.now(UTC),
                        "version": data["version"],
                    }
                    await session.exec(insert(KnownTask).values(**known).on_conflict_do_nothing())
    finally:
        await consumer.stop()
        await engine.dispose()


async def prepare(brokers: str, topic: str, database_url: str) -> str:
    """The topic (3 partitions, as the stack's), backend's and notification-service's tables in
    the (empty) database, one user; a token of that user."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError
    from sqlmodel import SQLModel

    from backend.db import models as backend_tables  # noqa: F401 (their tables, in the metadata)
    from dapr_common.postgres import make_engine
    from notification_service.db import models as notification_tables  # noqa: F401

    admin = AIOKafkaAdminClient(bootstrap_servers=brokers)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        await admin.close()
    engine = make_engine(database_url)
    user_id = str(uuid.uuid4())
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
        await connection.execute(
            text(
                "INSERT INTO users (id, email, password_hash, display_name, timezone, channels,"
                " created_at) VALUES (:id, :email, 'x', 'bench', 'UTC', '{in-app}', now())"
            ),
            {"id": user_id, "email": f"{user_id[:8]}@bench.example.com"},
        )
    await engine.dispose()
    now = datetime.now(UTC)
    return jwt.encode({"sub": user_id, "iat": now, "exp": now + timedelta(hours=1)}, KEY)


@asynccontextmanager
async def serving(
    brokers: str, database_url: str
) -> AsyncIterator[tuple[str, str, dict[str, int]]]:
    """The baseline up on the stack's Kafka and PostgreSQL (`database_url` an empty database):
    the API's URL, a user's token and the pid of each of its processes; stopped at the end."""
    topic = f"bench-no-dapr-{uuid.uuid4().hex[:8]}"
    token = await prepare(brokers, topic, database_url)
    env = {
        **os.environ,
        "BENCH_TOPIC": topic,
        "BENCH_DATABASE_URL": database_url,
        "BENCH_BROKERS": brokers,
        "PYTHONPATH": str(HERE),
    }
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    api = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "no_dapr:create_api", "--factory", "--port",
        str(port), "--no-access-log", "--log-level", "warning", env=env, cwd=HERE,
    )  # fmt: skip
    consumer = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "no_dapr.py"), env=env, cwd=HERE
    )
    try:
        await wait_until_up(port)
        yield (
            f"http://127.0.0.1:{port}",
            token,
            {"api (no Dapr)": api.pid, "consumer (no Dapr)": consumer.pid},
        )
    finally:
        for proc in (api, consumer):
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 20)


async def wait_until_up(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the no-Dapr API did not listen on {port} in {timeout:g} s")
        await asyncio.sleep(0.2)


if __name__ == "__main__":  # the consumer process
    asyncio.run(consume())
