"""A throwaway Dapr app the smoke suite runs beside the stack: it records what its sidecar sends."""

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI, Header, Request, Response


@dataclass
class Inbox:
    """Everything the probe's sidecar delivered, in arrival order."""

    app_token: str
    events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    jobs: dict[str, list[Any]] = field(default_factory=dict)
    bad_tokens: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record_event(self, topic: str, event: dict[str, Any]) -> int:
        with self.lock:
            self.events.setdefault(topic, []).append(event)
            return len(self.events[topic])

    def wait_for(self, what: Callable[[], bool], timeout: float = 30.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if what():
                    return True
            time.sleep(0.1)
        return False


def create_probe_app(inbox: Inbox, topic_prefix: str) -> FastAPI:
    app = FastAPI()

    def check(token: str | None) -> None:
        if token is None or not secrets.compare_digest(token, inbox.app_token):
            inbox.bad_tokens += 1

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/dapr/subscribe")
    def subscribe(dapr_api_token: str | None = Header(default=None)) -> list[dict[str, Any]]:
        check(dapr_api_token)
        return [
            {"pubsubname": "pubsub", "topic": f"{topic_prefix}.events", "route": "/events/ok"},
            {"pubsubname": "pubsub", "topic": f"{topic_prefix}.retry", "route": "/events/retry"},
        ]

    @app.post("/events/ok")
    async def on_event(request: Request, dapr_api_token: str | None = Header(default=None)) -> Any:
        check(dapr_api_token)
        inbox.record_event("ok", await request.json())
        return {"status": "SUCCESS"}

    @app.post("/events/retry")
    async def on_retry(request: Request, dapr_api_token: str | None = Header(default=None)) -> Any:
        check(dapr_api_token)
        attempt = inbox.record_event("retry", await request.json())
        # First delivery asks Dapr to retry; the redelivery succeeds.
        return {"status": "RETRY" if attempt == 1 else "SUCCESS"}

    @app.post("/job/{name}")
    async def on_job(
        name: str, request: Request, dapr_api_token: str | None = Header(default=None)
    ) -> Response:
        check(dapr_api_token)
        body = await request.body()
        with inbox.lock:
            inbox.jobs.setdefault(name, []).append(body)
        return Response(status_code=200)

    return app


@dataclass
class Probe:
    """The probe as tests see it: what it received, its topics, a client for its sidecar."""

    inbox: Inbox
    topic_prefix: str
    sidecar: httpx.Client
