"""The outbox, for operators (the app token only, as the sidecar sends it; no app-id may
invoke these): what waits to be published, and a retry of the rows parked after too many
refusals (service_layer/outbox_relay.py)."""

from typing import Annotated

from fastapi import APIRouter, Depends

from backend.api.schemas import OutboxBacklog, OutboxRetried
from backend.service_layer.outbox_relay import OutboxRelay
from dapr_common.app_token import require_app_token
from dapr_common.deps import provided

router = APIRouter(prefix="/outbox", dependencies=[Depends(require_app_token)], tags=["operators"])
RelayDep = Annotated[OutboxRelay, Depends(provided(OutboxRelay))]


@router.get("")
async def backlog(relay: RelayDep) -> OutboxBacklog:
    """Rows waiting to be published (the age of the oldest is the figure to alert on) and
    rows parked after too many refusals."""
    found = await relay.backlog()
    return OutboxBacklog(
        pending=found.pending,
        oldest_pending_seconds=found.oldest_pending_seconds,
        parked=found.parked,
    )


@router.post("/parked/retry")
async def retry_parked(relay: RelayDep) -> OutboxRetried:
    """Put every parked row back in line, its refusals forgotten (once the cause is fixed)."""
    return OutboxRetried(retried=await relay.retry_parked())
