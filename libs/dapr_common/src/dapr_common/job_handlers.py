"""`POST /job/{name}` for FastAPI: the scheduler's callbacks, dispatched by name pattern."""

import fnmatch
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from dapr_common.app_token import require_app_token

log = logging.getLogger("dapr_common.jobs")

JobHandler = Callable[..., Awaitable[Any]]


class JobHandlers:
    """Register `async def handler(name, data[, request])` per job-name pattern (`reminder-*`).

    Answers: handled → 200; no handler → 404 (Dapr counts it done: nothing would ever handle
    it); the handler raised → 500, and the job's failure policy retries it.
    """

    def __init__(self) -> None:
        self.router = APIRouter(dependencies=[Depends(require_app_token)])
        self._handlers: list[tuple[str, JobHandler, bool]] = []
        self.router.add_api_route("/job/{name}", self._dispatch, methods=["POST"])

    def handler(self, pattern: str) -> Callable[[JobHandler], JobHandler]:
        def register(fn: JobHandler) -> JobHandler:
            wants_request = len(inspect.signature(fn).parameters) > 2
            self._handlers.append((pattern, fn, wants_request))
            return fn

        return register

    async def _dispatch(self, name: str, request: Request) -> Response:
        body = await request.body()
        data: Any = None
        if body:
            try:
                data = await request.json()
            except ValueError:
                data = body.decode(errors="replace")
        for pattern, fn, wants_request in self._handlers:
            if fnmatch.fnmatchcase(name, pattern):
                try:
                    await (fn(name, data, request) if wants_request else fn(name, data))
                except Exception:
                    log.exception("job %s failed; the scheduler will retry it", name)
                    return Response(status_code=500)
                return Response(status_code=200)
        log.warning("no handler for job %s", name)
        return Response(status_code=404)
