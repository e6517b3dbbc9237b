import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from dapr_common import DaprClient
from dapr_common.observability import (
    TraceContextMiddleware,
    configure_logging,
    parse_traceparent,
)
from dapr_common.testing import FakeSidecar

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE}-{SPAN}-01"


@pytest.mark.parametrize(
    "value",
    [None, "", "garbage", f"00-{TRACE}-{SPAN}", f"00-{'0' * 32}-{SPAN}-01", f"00-{TRACE}-zz-01"],
)
def test_invalid_traceparents_are_ignored(value: str | None) -> None:
    assert parse_traceparent(value) is None


def test_a_valid_traceparent_is_parsed() -> None:
    assert parse_traceparent(TRACEPARENT.upper().replace("00-", "00-", 1)) == (TRACE, SPAN)


@pytest.fixture
def logged() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    out = io.StringIO()
    configure_logging("probe-app", stream=out)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in out.getvalue().splitlines() if line]

    yield lines
    root.handlers[:], level = saved
    root.setLevel(level)


async def test_logs_are_json_with_the_request_trace_id(
    logged, sidecar: FakeSidecar, dapr: DaprClient
) -> None:  # type: ignore[no-untyped-def]
    app = FastAPI()
    app.add_middleware(TraceContextMiddleware)
    sidecar.post("/v1.0/publish/pubsub/t").respond(204)

    @app.post("/work")
    async def work() -> dict[str, str]:
        logging.getLogger("probe").warning("doing work")
        await dapr.pubsub.publish("t", {"x": 1})
        return {"ok": "yes"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        assert (await client.post("/work", headers={"traceparent": TRACEPARENT})).status_code == 200
        assert (await client.get("/healthz")).status_code == 404
    records = logged()
    work_log = next(r for r in records if r["message"] == "doing work")
    assert work_log["trace_id"] == TRACE and work_log["span_id"] == SPAN
    assert work_log["level"] == "WARNING" and work_log["app_id"] == "probe-app"
    access = [r for r in records if r["logger"] == "dapr_common.access"]
    assert len(access) == 1  # /healthz is not access-logged
    assert access[0]["path"] == "/work" and access[0]["status"] == 200
    assert access[0]["trace_id"] == TRACE
    # the trace continues through the sidecar
    assert sidecar.post("/v1.0/publish/pubsub/t").last.headers["traceparent"] == TRACEPARENT


async def test_no_traceparent_means_no_trace_id(logged) -> None:  # type: ignore[no-untyped-def]
    app = FastAPI()
    app.add_middleware(TraceContextMiddleware)

    @app.get("/x")
    async def x() -> dict[str, str]:
        logging.getLogger("probe").info("plain")
        return {}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://app") as client:
        await client.get("/x")
    plain = next(r for r in logged() if r["message"] == "plain")
    assert plain["trace_id"] is None
