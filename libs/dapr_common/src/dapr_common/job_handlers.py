"""`POST /job/{name}` for FastAPI: the scheduler's callbacks, one route per job-name prefix."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute

from dapr_common.app_token import require_app_token
from dapr_common.deps import handler_endpoint

log = logging.getLogger("dapr_common.jobs")

JobHandler = Callable[..., Awaitable[Any]]


class JobHandlers:
    """Register `async def handler(name: str, data: Any, ...)` per job name (`digest-u1`) or
    name prefix (`reminder-*`); the parameters after `data` are FastAPI dependencies
    (`dapr: DaprDep`, `database: DatabaseDep`, `request: Request`). Register every handler
    before the app includes `.router`.

    Answers: handled → 200; no handler → 404 (Dapr counts it done: nothing would ever handle
    it); the handler raised → 500, and the job's failure policy retries it.
    """

    def __init__(self) -> None:
        self.router = APIRouter(dependencies=[Depends(require_app_token)])
        self._routes: list[tuple[str, APIRoute]] = []
        self._unknown = self._route("/job/{name}", self._no_handler)

    def _route(self, path: str, endpoint: Callable[..., Any]) -> APIRoute:
        self.router.add_api_route(path, endpoint, methods=["POST"], response_class=Response)
        route = self.router.routes.pop()
        assert isinstance(route, APIRoute)
        return route

    def handler(self, pattern: str) -> Callable[[JobHandler], JobHandler]:
        if pattern.endswith("*"):
            prefix, exact = pattern[:-1], False
        else:
            prefix, exact = pattern, True
        if any(c in prefix for c in "*?[]/{}"):
            raise ValueError(
                f"job pattern {pattern!r}: a name, or a name prefix followed by one '*'"
            )

        def register(fn: JobHandler) -> JobHandler:
            async def call(
                request: Request, path: dict[str, Any], deps: dict[str, Any]
            ) -> Response:
                return await self._run(fn, prefix + path.get("rest", ""), request, deps)

            endpoint = handler_endpoint(fn, 2, call, () if exact else ("rest",))
            path = f"/job/{prefix}" if exact else f"/job/{prefix}{{rest}}"
            self._routes.append((("1" if exact else "0") + prefix, self._route(path, endpoint)))
            # Most specific first (exact names, then longer prefixes), the 404 last.
            ordered = sorted(self._routes, key=lambda r: (r[0][0], len(r[0])), reverse=True)
            self.router.routes[:] = [route for _, route in ordered] + [self._unknown]
            return fn

        return register

    @staticmethod
    async def _run(fn: JobHandler, name: str, request: Request, deps: dict[str, Any]) -> Response:
        body = await request.body()
        data: Any = None
        if body:
            try:
                data = await request.json()
            except ValueError:
                data = body.decode(errors="replace")
        try:
            await fn(name, data, **deps)
        except Exception:
            log.exception("job %s failed; the scheduler will retry it", name)
            return Response(status_code=500)
        return Response(status_code=200)

    @staticmethod
    async def _no_handler(name: str) -> Response:
        log.warning("no handler for job %s", name)
        return Response(status_code=404)
