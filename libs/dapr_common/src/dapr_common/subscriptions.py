"""Pub/sub subscriptions for FastAPI: `GET /dapr/subscribe`, typed CloudEvents, honest answers.

A handler's outcome becomes the answer Dapr acts on:
returns → 200 SUCCESS; raises `Retry` (or anything unexpected) → 500 RETRY, redelivered;
raises `Drop`, or the payload does not decode → 200 DROP, sent to the dead-letter topic.

An outage is not the event's fault: with `hold_while` (e.g. `postgres.database_unavailable`),
a handler that fails on such an error is run again (1, 2, 4 … 10 s apart) while the delivery
waits, for as long as the outage lasts, up to `max_hold` (30 min: an error wrongly taken for an
outage must not hold its partition for ever). Answering RETRY instead would spend the delivery's
retries (about 80 s) and then send a good event to its dead-letter topic, or, where that
topic's subscriber needs the same database, lose it. The held partition waits; Kafka keeps
what follows, and a shutdown cancels the wait (the sidecar redelivers the unacknowledged event).
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from dapr_common.app_token import require_app_token
from dapr_common.deps import handler_endpoint

log = logging.getLogger("dapr_common.subscriptions")
_sleep, _clock = asyncio.sleep, time.monotonic  # the hold's (tests stand in for them)

T = TypeVar("T")


class CloudEvent(BaseModel, Generic[T]):
    """The envelope Dapr delivers; `data` is decoded into the handler's model."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str
    source: str = ""
    type: str = ""
    specversion: str = "1.0"
    datacontenttype: str | None = None
    topic: str = ""
    pubsubname: str = ""
    traceparent: str | None = None
    data: T


class Retry(Exception):
    """Raise in a handler: the event could not be handled now; deliver it again."""


class Drop(Exception):
    """Raise in a handler: the event can never be handled; send it to the dead-letter topic."""


Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class BulkSubscribe:
    """Deliver events in batches of up to `max_messages`, waiting at most `max_await_ms`."""

    max_messages: int = 100
    max_await_ms: int = 1000


@dataclass
class _Route:
    path: str
    model: Any
    handler: Handler
    match: str | None = None


@dataclass
class _Topic:
    pubsub: str
    topic: str
    dead_letter_topic: str | None
    bulk: BulkSubscribe | None
    metadata: dict[str, str]
    routes: list[_Route] = field(default_factory=list)


_SUCCESS = {"status": "SUCCESS"}


class Subscriptions:
    """Register handlers per (pubsub, topic); include `.router` in the app."""

    def __init__(
        self,
        pubsub: str = "pubsub",
        *,
        prefix: str = "/dapr/events",
        hold_while: Callable[[BaseException], bool] | None = None,
        max_hold: float = 1800.0,
    ) -> None:
        self.default_pubsub = pubsub
        self.prefix = prefix
        self.hold_while = hold_while
        self.max_hold = max_hold
        self.router = APIRouter(dependencies=[Depends(require_app_token)])
        self._topics: dict[tuple[str, str], _Topic] = {}
        self.router.add_api_route("/dapr/subscribe", self._subscribe, methods=["GET"])

    def topic(
        self,
        topic: str,
        *,
        model: Any = dict,
        pubsub: str | None = None,
        dead_letter_topic: str | None = None,
        match: str | None = None,
        bulk: BulkSubscribe | None = None,
        metadata: dict[str, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        """Decorate `async def handler(event: CloudEvent[Model], ...)`: the parameters after
        the event are FastAPI dependencies (`dapr: DaprDep`, `database: DatabaseDep`,
        `request: Request`), resolved once per delivery (once per batch when bulk).

        `match` is a CEL expression (e.g. `event.type == "task.completed"`): several handlers
        of one topic are tried in registration order; the one without `match` is the default.
        """
        pubsub_name = pubsub or self.default_pubsub
        key = (pubsub_name, topic)
        entry = self._topics.get(key)
        if entry is None:
            entry = _Topic(pubsub_name, topic, dead_letter_topic, bulk, dict(metadata or {}))
            self._topics[key] = entry
        elif dead_letter_topic and entry.dead_letter_topic not in (None, dead_letter_topic):
            raise ValueError(f"{topic}: one dead-letter topic per subscription")

        def register(handler: Handler) -> Handler:
            if entry.routes and any(r.match is None for r in entry.routes) and match is None:
                raise ValueError(f"{topic}: only one default handler")
            path = f"{self.prefix}/{pubsub_name}/{topic}/{len(entry.routes)}"
            route = _Route(path, CloudEvent[model], handler, match)
            entry.routes.append(route)
            if entry.dead_letter_topic is None and dead_letter_topic:
                entry.dead_letter_topic = dead_letter_topic
            endpoint = self._bulk_endpoint(route) if entry.bulk else self._endpoint(route)
            self.router.add_api_route(path, endpoint, methods=["POST"])
            return handler

        return register

    def subscriptions(self) -> list[dict[str, Any]]:
        """What `GET /dapr/subscribe` answers."""
        out = []
        for t in self._topics.values():
            sub: dict[str, Any] = {"pubsubname": t.pubsub, "topic": t.topic}
            rules = [{"match": r.match, "path": r.path} for r in t.routes if r.match]
            default = next((r.path for r in t.routes if r.match is None), None)
            if rules:
                sub["routes"] = {"rules": rules, **({"default": default} if default else {})}
            else:
                sub["route"] = default
            if t.dead_letter_topic:
                sub["deadLetterTopic"] = t.dead_letter_topic
            if t.metadata:
                sub["metadata"] = t.metadata
            if t.bulk:
                sub["bulkSubscribe"] = {
                    "enabled": True,
                    "maxMessagesCount": t.bulk.max_messages,
                    "maxAwaitDurationMs": t.bulk.max_await_ms,
                }
            out.append(sub)
        return out

    async def _subscribe(self) -> list[dict[str, Any]]:
        return self.subscriptions()

    async def _held(self, route: _Route, event: CloudEvent[Any], deps: dict[str, Any]) -> None:
        """The handler, run again while it fails on an outage `hold_while` names."""
        pause, since, next_log = 1.0, _clock(), 0.0
        while True:
            try:
                await route.handler(event, **deps)
            except Exception as exc:
                waited = _clock() - since
                if self.hold_while is None or not self.hold_while(exc) or waited > self.max_hold:
                    raise
                if waited >= next_log:
                    log.warning("holding event %s for %.0f s (outage): %s", event.id, waited, exc)
                    next_log = waited + 30.0
                await _sleep(pause)
                pause = min(pause * 2, 10.0)
                continue
            if next_log:
                log.info("event %s handled after %.0f s held", event.id, _clock() - since)
            return

    async def _handle(self, route: _Route, raw: Any, deps: dict[str, Any]) -> str:
        """Run the handler on one raw CloudEvent; the Dapr status word it earned."""
        try:
            event = route.model.model_validate(raw)
        except ValidationError as exc:
            event_id = raw.get("id") if isinstance(raw, dict) else None
            log.error("dropping undecodable event %s on %s: %s", event_id, route.path, exc)
            return "DROP"
        try:
            await self._held(route, event, deps)
        except Drop as exc:
            log.warning("handler dropped event %s: %s", event.id, exc)
            return "DROP"
        except Retry as exc:
            log.info("handler asked to retry event %s: %s", event.id, exc)
            return "RETRY"
        except Exception:
            log.exception("handler failed on event %s; asking for redelivery", event.id)
            return "RETRY"
        return "SUCCESS"

    def _endpoint(self, route: _Route) -> Callable[..., Awaitable[JSONResponse]]:
        async def call(request: Request, _: dict[str, Any], deps: dict[str, Any]) -> JSONResponse:
            try:
                raw = await request.json()
            except ValueError:
                log.error("dropping a delivery that is not JSON on %s", route.path)
                return JSONResponse({"status": "DROP"})
            status = await self._handle(route, raw, deps)
            # RETRY is a real failure: a non-2xx, so nothing between here and Dapr acks it.
            return JSONResponse({"status": status}, status_code=500 if status == "RETRY" else 200)

        return handler_endpoint(route.handler, 1, call)

    def _bulk_endpoint(self, route: _Route) -> Callable[..., Awaitable[JSONResponse]]:
        async def call(request: Request, _: dict[str, Any], deps: dict[str, Any]) -> JSONResponse:
            body = await request.json()
            statuses = []
            for entry in body.get("entries", []):
                raw = entry.get("event")
                status = await self._handle(route, raw, deps)
                statuses.append({"entryId": entry.get("entryId"), "status": status})
            return JSONResponse({"statuses": statuses})

        return handler_endpoint(route.handler, 1, call)
