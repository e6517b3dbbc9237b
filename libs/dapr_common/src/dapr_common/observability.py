"""Structured logs: one JSON object per line, carrying the W3C trace id Dapr propagates.

Dapr puts a `traceparent` header on every call it makes to the app (service invocation,
pub/sub delivery, job triggers). `TraceContextMiddleware` lifts its trace and span ids into a
context variable, and every log record written while that request is served carries them, so
a user's request can be followed from backend through Kafka into notification-service.
"""

import contextvars
import logging
import sys
import time
from typing import IO, Any

from pythonjsonlogger.json import JsonFormatter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_trace: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "dapr_common_trace", default=None
)
access_log = logging.getLogger("dapr_common.access")
QUIET_PATHS = frozenset({"/healthz", "/readyz"})


def parse_traceparent(value: str | None) -> tuple[str, str] | None:
    """(trace id, parent span id) of a W3C `traceparent`, or None when it is not one."""
    if not value:
        return None
    parts = value.strip().split("-")
    if len(parts) != 4 or len(parts[1]) != 32 or len(parts[2]) != 16:
        return None
    trace_id, span_id = parts[1].lower(), parts[2].lower()
    hexdigits = set("0123456789abcdef")
    if not set(trace_id + span_id) <= hexdigits or set(trace_id) == {"0"}:
        return None
    return trace_id, span_id


def current_trace() -> tuple[str, str] | None:
    """(trace id, span id) of the request being served, if it came with a `traceparent`."""
    return _trace.get()


class _TraceFilter(logging.Filter):
    def __init__(self, app_id: str) -> None:
        super().__init__()
        self.app_id = app_id

    def filter(self, record: logging.LogRecord) -> bool:
        trace = _trace.get()
        record.app_id = self.app_id
        record.trace_id = trace[0] if trace else None
        record.span_id = trace[1] if trace else None
        return True


def configure_logging(
    app_id: str, level: str | int = "INFO", stream: IO[str] | None = None
) -> None:
    """Send every log record (the app's, uvicorn's, the library's) to stdout as JSON."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.addFilter(_TraceFilter(app_id))
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}{app_id}{trace_id}{span_id}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # TraceContextMiddleware writes the access log (with the trace id and the duration).
    logging.getLogger("uvicorn.access").disabled = True


class TraceContextMiddleware:
    """Bind the request's `traceparent` to its logs, and log each request once when done."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        traceparent = None
        for name, value in scope.get("headers", ()):
            if name == b"traceparent":
                traceparent = value.decode("latin-1")
                break
        token = _trace.set(parse_traceparent(traceparent))
        status = 500
        started = time.perf_counter()

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            if scope["path"] not in QUIET_PATHS:
                extra: dict[str, Any] = {
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                }
                access_log.info("%s %s %s", scope["method"], scope["path"], status, extra=extra)
            _trace.reset(token)
