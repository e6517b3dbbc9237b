"""The unit of work: the post-commit work of a use case happens once it committed, and only
then (a fake session; the real one is exercised by tests/api)."""

from typing import Any, cast

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.db.models import OutboxEvent
from backend.domain.events import TaskDeleted
from backend.service_layer.outbox_relay import OutboxRelay
from backend.service_layer.unit_of_work import UnitOfWork
from dapr_common import DaprClient


class FakeSession:
    def __init__(self, fail_commit: bool = False) -> None:
        self.added: list[Any] = []
        self.log: list[str] = []
        self.fail_commit = fail_commit

    def add(self, row: Any) -> None:
        self.added.append(row)

    async def commit(self) -> None:
        if self.fail_commit:
            raise RuntimeError("database gone")
        self.log.append("commit")

    async def rollback(self) -> None:
        self.log.append("rollback")


class FakeRelay:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def wake(self) -> None:
        self.log.append("wake")


def uow(session: FakeSession, relay: FakeRelay | None = None) -> UnitOfWork:
    return UnitOfWork(
        cast(AsyncSession, session), cast(DaprClient, object()), cast(OutboxRelay, relay)
    )


def event() -> TaskDeleted:
    return TaskDeleted(task_id="t1", user_id="u1", version=2, deleted_at="2026-12-03T08:00:00Z")  # type: ignore[arg-type]


async def test_events_become_outbox_rows_and_wake_the_relay_after_the_commit() -> None:
    session = FakeSession()
    work = uow(session, FakeRelay(session.log))

    async def hook() -> None:
        session.log.append("hook")

    work.publish(event(), "u1")
    work.after_commit(hook)
    assert session.log == []  # nothing before the commit
    await work.commit()
    assert session.log == ["commit", "wake", "hook"]
    (row,) = session.added
    assert isinstance(row, OutboxEvent)
    assert (row.topic, row.partition_key, row.payload["taskId"]) == ("task.deleted", "u1", "t1")


async def test_no_hook_runs_when_the_commit_fails_or_after_a_rollback() -> None:
    ran: list[str] = []

    async def hook() -> None:
        ran.append("hook")

    failing = FakeSession(fail_commit=True)
    work = uow(failing, FakeRelay(ran))
    work.publish(event(), "u1")
    work.after_commit(hook)
    with pytest.raises(RuntimeError):
        await work.commit()
    rolled = FakeSession()
    work = uow(rolled, FakeRelay(ran))
    work.publish(event(), "u1")
    work.after_commit(hook)
    await work.rollback()
    await work.commit()  # a later commit of the same unit carries nothing over
    assert ran == [] and rolled.log == ["rollback", "commit"]


async def test_a_failing_hook_is_logged_and_the_commit_stands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    session = FakeSession()
    work = uow(session)

    async def broken() -> None:
        raise ConnectionError("state store down")

    async def after() -> None:
        session.log.append("after")

    work.after_commit(broken)
    work.after_commit(after)
    await work.commit()
    assert session.log == ["commit", "after"]
    assert "after-commit work failed" in caplog.text
