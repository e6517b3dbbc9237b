"""What the backend's routes receive: typed dependencies, declared once here."""

from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.security import InvalidToken, TokenIssuer
from backend.db.models import User
from backend.service_layer.outbox_relay import OutboxRelay
from backend.service_layer.unit_of_work import UnitOfWork
from dapr_common.deps import DaprDep, ResourcesDep, provided
from dapr_common.postgres import SessionDep

TokensDep = Annotated[TokenIssuer, Depends(provided(TokenIssuer))]


async def unit_of_work(session: SessionDep, dapr: DaprDep, resources: ResourcesDep) -> UnitOfWork:
    try:
        relay: OutboxRelay | None = resources.get(OutboxRelay)
    except LookupError:
        relay = None
    return UnitOfWork(session, dapr, relay)


UnitOfWorkDep = Annotated[UnitOfWork, Depends(unit_of_work)]

_bearer = HTTPBearer(auto_error=False)
_UNAUTHORIZED = HTTPException(
    status.HTTP_401_UNAUTHORIZED,
    "missing, invalid or expired access token",
    headers={"WWW-Authenticate": "Bearer"},
)


async def current_user_id(
    tokens: TokensDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The user the bearer token was signed for (signature, expiry, issuer, audience checked);
    no database read."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _UNAUTHORIZED
    try:
        return tokens.user_id(credentials.credentials)
    except InvalidToken:
        raise _UNAUTHORIZED from None


CurrentUserId = Annotated[str, Depends(current_user_id)]


async def user_of(session: AsyncSession, user_id: str) -> User:
    """The user, read in a transaction ended at once: the request's pooled connection goes
    back to the pool before the route calls anything over the network (a sidecar, another
    app); the session takes one again for its next query."""
    user = await session.get(User, user_id)
    await session.commit()
    if user is None:
        raise _UNAUTHORIZED
    return user


async def current_user(session: SessionDep, user_id: CurrentUserId) -> User:
    return await user_of(session, user_id)


CurrentUser = Annotated[User, Depends(current_user)]

__all__ = [
    "CurrentUser",
    "CurrentUserId",
    "DaprDep",
    "SessionDep",
    "TokensDep",
    "UnitOfWorkDep",
    "user_of",
]
