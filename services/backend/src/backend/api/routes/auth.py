"""Register, log in, and who am I."""

from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from backend.api.deps import CurrentUser, DaprDep, SessionDep, TokensDep, events_committed
from backend.core.security import hash_password, verify_password
from backend.db.models import NAME_MAX, User
from backend.events import UserRegistered, outbox_row
from backend.service_layer.login_guard import LoginGuard
from backend.service_layer.preferences import Channels

router = APIRouter(tags=["auth"])


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown timezone {value!r} (use an IANA name like Europe/Paris)"
        ) from exc
    return value


Timezone = Annotated[str, Field(max_length=64), AfterValidator(_timezone)]


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=8, max_length=256)
    display_name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    timezone: Timezone = "UTC"
    channels: Channels = ["in-app"]


class UserPublic(BaseModel):
    id: str
    email: str
    display_name: str
    timezone: str
    channels: list[str]
    created_at: datetime


class Login(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=254)
    password: str = Field(max_length=256)


class AccessToken(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


def public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "the email is already registered"}},
)
async def register(body: UserCreate, session: SessionDep, request: Request) -> UserPublic:
    email = body.email.lower()
    user = User(
        email=email,
        password_hash=hash_password(body.password),
        display_name=body.display_name or email.split("@")[0],
        timezone=body.timezone,
        channels=list(body.channels),
    )
    event = UserRegistered(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        timezone=user.timezone,
        channels=user.channels,
        registered_at=user.created_at,
    )
    try:
        session.add(user)
        await session.flush()  # the user row first, so a taken email fails here
        session.add(outbox_row(event, user.id))
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise HTTPException(status.HTTP_409_CONFLICT, "this email is already registered") from None
    events_committed(request)
    return public(user)


@router.post(
    "/auth/login",
    responses={
        401: {"description": "wrong email or password"},
        429: {"description": "too many failed logins for this account; retry later"},
    },
)
async def login(body: Login, session: SessionDep, tokens: TokensDep, dapr: DaprDep) -> AccessToken:
    email = body.email.lower()
    guard = LoginGuard(dapr)
    failures = await guard.failures(email)
    if failures >= guard.max_failures:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins for this account; try again later",
            headers={"Retry-After": str(int(guard.window.total_seconds()))},
        )
    user = (await session.exec(select(User).where(User.email == email))).first()
    if not verify_password(body.password, user.password_hash if user else None) or user is None:
        await guard.failed(email)
        # One message for both cases: the answer does not tell which part was wrong.
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if failures:
        await guard.succeeded(email)
    token, expires_in = tokens.issue(user.id)
    return AccessToken(access_token=token, expires_in=expires_in)


@router.get("/me")
async def me(user: CurrentUser) -> UserPublic:
    return public(user)
