"""Liveness and readiness endpoints that tell the truth about the sidecar and what else the
app needs (its database, say)."""

from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from dapr_common.client import DaprClient
from dapr_common.deps import Resources, ResourcesDep

Check = Callable[[Resources], Awaitable[bool]]


async def _sidecar(resources: Resources) -> bool:
    return await resources.get(DaprClient).healthy(outbound=True)


def health_router(checks: Mapping[str, Check] | None = None) -> APIRouter:
    """`/healthz`: the process is alive. `/readyz`: 200 when the app's sidecar can serve its
    calls and every extra check passes, else 503 naming what is down."""
    router = APIRouter(tags=["health"])
    all_checks: dict[str, Check] = {"sidecar": _sidecar, **(checks or {})}

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", responses={503: {"description": "a dependency is down"}})
    async def readyz(resources: ResourcesDep) -> JSONResponse:
        results = {name: await check(resources) for name, check in all_checks.items()}
        ready = all(results.values())
        body = {"status": "ready" if ready else "not ready"}
        body.update({name: "ok" if ok else "unavailable" for name, ok in results.items()})
        return JSONResponse(body, status_code=200 if ready else 503)

    return router
