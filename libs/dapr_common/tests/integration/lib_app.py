"""A Dapr app built only from dapr_common's FastAPI glue, for the integration suite."""

import asyncio
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from dapr_common import (
    BulkSubscribe,
    CloudEvent,
    DaprSettings,
    Drop,
    JobHandlers,
    Retry,
    Subscriptions,
)
from dapr_common.deps import provide


class Note(BaseModel):
    n: int
    text: str = ""


class Received:
    """What the app's handlers saw, by channel, safe to read from the test's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, list[Any]] = defaultdict(list)

    def add(self, channel: str, item: Any) -> int:
        with self._lock:
            self._items[channel].append(item)
            return len(self._items[channel])

    def get(self, channel: str) -> list[Any]:
        with self._lock:
            return list(self._items[channel])

    async def wait_until(
        self, channel: str, predicate: Callable[[list[Any]], bool], timeout: float = 60.0
    ) -> list[Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate(self.get(channel)):
            if loop.time() > deadline:
                raise AssertionError(f"{channel}: condition not met in {timeout}s")
            await asyncio.sleep(0.1)
        return self.get(channel)

    async def wait_for(self, channel: str, count: int = 1, timeout: float = 60.0) -> list[Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.get(channel)) < count:
            if loop.time() > deadline:
                raise AssertionError(
                    f"{channel}: {len(self.get(channel))} of {count} in {timeout}s"
                )
            await asyncio.sleep(0.1)
        return self.get(channel)


def create_lib_app(received: Received, prefix: str, app_api_token: str) -> FastAPI:
    app = FastAPI()
    provide(app, DaprSettings(app_api_token=app_api_token))  # type: ignore[arg-type]
    subs = Subscriptions()
    jobs = JobHandlers()
    retried: set[str] = set()

    @subs.topic(f"{prefix}.notes", model=Note)
    async def on_note(event: CloudEvent[Note]) -> None:
        received.add("notes", event)

    @subs.topic(f"{prefix}.flaky", model=Note)
    async def on_flaky(event: CloudEvent[Note]) -> None:
        received.add("flaky", event.id)
        if event.id not in retried:
            retried.add(event.id)
            raise Retry("first delivery fails")

    @subs.topic(f"{prefix}.poison", model=Note, dead_letter_topic=f"{prefix}.poison-dlq")
    async def on_poison(event: CloudEvent[Note]) -> None:
        received.add("poison", event.id)
        raise Drop("never processable")

    @subs.topic(f"{prefix}.poison-dlq")
    async def on_dead_letter(event: CloudEvent[dict[str, Any]]) -> None:
        received.add("dead-letters", event)

    @subs.topic(
        f"{prefix}.batch", model=Note, bulk=BulkSubscribe(max_messages=50, max_await_ms=200)
    )
    async def on_batch(event: CloudEvent[Note]) -> None:
        received.add("batch", event.data.n)

    @jobs.handler(f"{prefix}-reminder-*")
    async def on_reminder(name: str, data: Any) -> None:
        received.add("jobs", (name, data))

    app.include_router(subs.router)
    app.include_router(jobs.router)
    return app
