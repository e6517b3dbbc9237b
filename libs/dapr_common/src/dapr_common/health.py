"""Liveness and readiness endpoints that tell the truth about the sidecar."""

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dapr_common.client import DaprClient


def health_router(get_client: Callable[[Request], DaprClient] | None = None) -> APIRouter:
    """`/healthz`: the process is alive. `/readyz`: the sidecar can serve this app's calls.

    The client is `request.app.state.dapr` unless `get_client` says otherwise.
    """
    router = APIRouter()

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        client = get_client(request) if get_client else request.app.state.dapr
        if await client.healthy(outbound=True):
            return JSONResponse({"status": "ready", "sidecar": "ok"})
        return JSONResponse({"status": "not ready", "sidecar": "unavailable"}, status_code=503)

    return router
