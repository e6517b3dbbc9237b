"""Typed dependencies the routes declare."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.security import InvalidToken, TokenIssuer
from backend.db.models import User
from dapr_common import DaprClient


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


async def get_dapr(request: Request) -> DaprClient:
    dapr: DaprClient = request.app.state.dapr
    return dapr


async def get_tokens(request: Request) -> TokenIssuer:
    tokens: TokenIssuer = request.app.state.tokens
    return tokens


SessionDep = Annotated[AsyncSession, Depends(get_session)]
DaprDep = Annotated[DaprClient, Depends(get_dapr)]
TokensDep = Annotated[TokenIssuer, Depends(get_tokens)]

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
    user = await session.get(User, user_id)
    if user is None:
        raise _UNAUTHORIZED
    return user


async def current_user(session: SessionDep, user_id: CurrentUserId) -> User:
    return await user_of(session, user_id)


CurrentUser = Annotated[User, Depends(current_user)]


def events_committed(request: Request) -> None:
    """Tell the outbox relay that events were committed, so it publishes them now."""
    relay = getattr(request.app.state, "relay", None)
    if relay is not None:
        relay.wake()
