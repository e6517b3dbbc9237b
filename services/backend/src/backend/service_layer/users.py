"""Registering and logging in."""

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.core.security import TokenIssuer, hash_password, verify_password
from backend.db.models import User
from backend.domain.events import UserRegistered
from backend.service_layer.commands import LogIn, RegisterUser
from backend.service_layer.errors import EmailTaken, TooManyFailedLogins, WrongCredentials
from backend.service_layer.login_guard import LoginGuard
from backend.service_layer.unit_of_work import UnitOfWork
from dapr_common import DaprClient


async def register(uow: UnitOfWork, command: RegisterUser) -> User:
    """The new user and their `user.registered` event, in one transaction."""
    email = command.email.lower()
    user = User(
        email=email,
        password_hash=await hash_password(command.password),
        display_name=command.display_name or email.split("@")[0],
        timezone=command.timezone,
        channels=list(command.channels),
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
        uow.session.add(user)
        await uow.session.flush()  # the user row first, so a taken email fails here
        uow.publish(event, user.id)
        await uow.commit()
    except IntegrityError:
        await uow.rollback()
        raise EmailTaken(email) from None
    return user


async def log_in(
    session: AsyncSession, dapr: DaprClient, tokens: TokenIssuer, command: LogIn
) -> tuple[str, int]:
    """An access token and its lifetime in seconds."""
    email = command.email.lower()
    guard = LoginGuard(dapr)
    if not await guard.reserve(email):
        raise TooManyFailedLogins(int(guard.window.total_seconds()))
    user = (await session.exec(select(User).where(User.email == email))).first()
    await session.commit()  # no connection held across the password check and the store
    # An unknown email costs the same check as a wrong password.
    matches = await verify_password(command.password, user.password_hash if user else None)
    if user is None or not matches:
        raise WrongCredentials()
    await guard.succeeded(email)
    return tokens.issue(user.id)
