"""Register, log in, and who am I."""

from fastapi import APIRouter, status

from backend.api.deps import CurrentUser, DaprDep, SessionDep, TokensDep, UnitOfWorkDep
from backend.api.errors import translated
from backend.api.schemas import AccessToken, Login, UserCreate, UserPublic
from backend.service_layer import users

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "the email is already registered"}},
)
async def register(body: UserCreate, uow: UnitOfWorkDep) -> UserPublic:
    with translated():
        user = await users.register(uow, body.command())
    return UserPublic.of(user)


@router.post(
    "/auth/login",
    responses={
        401: {"description": "wrong email or password"},
        429: {"description": "too many failed logins for this account; retry later"},
    },
)
async def login(body: Login, session: SessionDep, tokens: TokensDep, dapr: DaprDep) -> AccessToken:
    with translated():
        token, expires_in = await users.log_in(session, dapr, tokens, body.command())
    return AccessToken(access_token=token, expires_in=expires_in)


@router.get("/me")
async def me(user: CurrentUser) -> UserPublic:
    return UserPublic.of(user)
