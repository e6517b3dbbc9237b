"""Liveness and readiness: the process, its sidecar and its database."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dapr_common import DaprClient
from dapr_common.postgres import database_reachable

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "the sidecar or the database is down"}})
async def readyz(request: Request) -> JSONResponse:
    dapr: DaprClient = request.app.state.dapr
    sidecar = await dapr.healthy(outbound=True)
    engine = request.app.state.engine
    database = engine is None or await database_reachable(engine)
    ready = sidecar and database
    body = {
        "status": "ready" if ready else "not ready",
        "sidecar": "ok" if sidecar else "unavailable",
        "database": "ok" if database else "unavailable",
    }
    return JSONResponse(body, status_code=200 if ready else 503)
