"""A Dapr app for tests that records every event of some topics, to look at what arrived."""

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI

from dapr_common import CloudEvent, DaprSettings, Subscriptions
from dapr_common.deps import provide
from devstack.stack import Stack
from devstack.testing import extra_app


class EventRecorder:
    """The events received so far, safe to read from the test's thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[CloudEvent[dict[str, Any]]] = []
        self.arrived: dict[str, float] = {}  # event id → time.time() of its first arrival

    def add(self, event: CloudEvent[dict[str, Any]]) -> None:
        with self._lock:
            self._events.append(event)
            self.arrived.setdefault(event.id, time.time())

    def matching(
        self, keep: Callable[[CloudEvent[dict[str, Any]]], bool]
    ) -> list[CloudEvent[dict[str, Any]]]:
        with self._lock:
            return [e for e in self._events if keep(e)]

    def wait_for(
        self,
        keep: Callable[[CloudEvent[dict[str, Any]]], bool],
        count: int = 1,
        timeout: float = 60,
    ) -> list[CloudEvent[dict[str, Any]]]:
        deadline = time.monotonic() + timeout
        while len(found := self.matching(keep)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} events after {timeout:.0f}s")
            time.sleep(0.1)
        return found


@contextmanager
def recording(stack: Stack, app_id: str, topics: tuple[str, ...]) -> Iterator[EventRecorder]:
    """Run an app subscribed to `topics` (its own consumer group) for the `with` block."""
    recorder = EventRecorder()
    token = secrets.token_urlsafe(16)
    app = FastAPI()
    provide(app, DaprSettings(app_api_token=token))  # type: ignore[arg-type]
    subs = Subscriptions()
    for topic in topics:
        subs.topic(topic)(_record_into(recorder))
    app.include_router(subs.router)
    with extra_app(stack, app_id, app, app_api_token=token):
        yield recorder


def _record_into(recorder: EventRecorder) -> Callable[[CloudEvent[dict[str, Any]]], Any]:
    async def record(event: CloudEvent[dict[str, Any]]) -> None:
        recorder.add(event)

    return record
