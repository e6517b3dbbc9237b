"""Dead letters, for operators: list them, replay one (service_layer/dead_letters.py)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from dapr_common import DaprError
from notification_service.api.deps import SIDECAR_ONLY, DaprDep, SessionDep
from notification_service.api.schemas import DeadLetterPage, DeadLetterPublic, Replayed
from notification_service.domain.paging import BadCursor
from notification_service.service_layer import dead_letters

router = APIRouter(prefix="/dead-letters", dependencies=SIDECAR_ONLY, tags=["operators"])


@router.get("")
async def list_dead_letters(
    session: SessionDep,
    topic: Annotated[str | None, Query(max_length=100, description="original topic")] = None,
    pending: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> DeadLetterPage:
    """Events some subscriber gave up on, newest first (operator-only)."""
    try:
        items, next_cursor = await dead_letters.list_dead_letters(
            session, original_topic=topic, pending=pending, limit=limit, cursor=cursor
        )
    except BadCursor as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None
    return DeadLetterPage(
        items=[DeadLetterPublic.model_validate(d, from_attributes=True) for d in items],
        next_cursor=next_cursor,
    )


@router.post(
    "/{dead_letter_id}/replay",
    responses={404: {"description": "no such dead letter"}, 503: {"description": "pub/sub down"}},
)
async def replay(dead_letter_id: str, session: SessionDep, dapr: DaprDep) -> Replayed:
    """Publish the event back to its original topic, CloudEvent id unchanged."""
    try:
        letter = await dead_letters.replay(session, dapr, dead_letter_id)
    except dead_letters.NotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "dead letter not found") from None
    except DaprError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"could not publish: {exc}"
        ) from None
    assert letter.replayed_at is not None
    return Replayed(
        id=letter.id,
        replayed_to=letter.original_topic,
        event_id=letter.event_id,
        replayed_at=letter.replayed_at,
    )
