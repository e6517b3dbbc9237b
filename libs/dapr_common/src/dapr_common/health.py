"""Liveness and readiness endpoints that tell the truth about the sidecar and what else the
app needs (its database, say)."""

from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dapr_common.client import DaprClient

Check = Callable[[Request], Awaitable[bool]]


async def _sidecar(request: Request) -> bool:
    client: DaprClient = request.app.state.dapr
    return await client.healthy(outbound=True)


def health_router(checks: Mapping[str, Check] | None = None) -> APIRouter:
    """`/healthz`: the process is alive. `/readyz`: 200 when the sidecar (`app.state.dapr`)
    can serve this app's calls and every extra check passes, else 503 naming what is down."""
    router = APIRouter(tags=["health"])
    all_checks: dict[str, Check] = {"sidecar": _sidecar, **(checks or {})}

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "a dependency is down"}})
    async def readyz(request: Request) -> JSONResponse:
        results = {name: await check(request) for name, check in all_checks.items()}
        ready = all(results.values())
        body = {"status": "ready" if ready else "not ready"}
        body.update({name: "ok" if ok else "unavailable" for name, ok in results.items()})
        return JSONResponse(body, status_code=200 if ready else 503)

    return router
