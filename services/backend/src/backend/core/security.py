"""Passwords (argon2) and access tokens (JWT, HS256 pinned, with expiry).

argon2 is slow on purpose (tens to hundreds of ms of CPU and 64 MiB per hash): it runs on two
worker threads of its own (argon2-cffi releases the GIL), never on the event loop, so a login
burst does not stall the replica's other requests or its health probes; it waits its turn
there, so a burst neither takes more than 2 x 64 MiB nor the default executor the database
driver's lookups need."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ALGORITHM = "HS256"
ISSUER = "todo-backend"
AUDIENCE = "todo-api"

_hasher = PasswordHasher()
_hashing = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_hashing, _hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    """Whether `password` matches; with no hash (an unknown email) it costs the same and is
    False."""
    return await asyncio.get_running_loop().run_in_executor(
        _hashing, _verify, password, password_hash
    )


def _hash(password: str) -> str:
    return _hasher.hash(password)


def _verify(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


class InvalidToken(Exception):
    """Missing, malformed, expired, or not signed by us."""


@dataclass(frozen=True)
class TokenIssuer:
    key: str
    lifetime: timedelta = timedelta(hours=1)

    def issue(self, user_id: str, now: datetime | None = None) -> tuple[str, int]:
        """(token, seconds until it expires)."""
        issued = now or datetime.now(UTC)
        claims = {
            "sub": user_id,
            "iat": issued,
            "exp": issued + self.lifetime,
            "iss": ISSUER,
            "aud": AUDIENCE,
        }
        return jwt.encode(claims, self.key, algorithm=ALGORITHM), int(self.lifetime.total_seconds())

    def user_id(self, token: str) -> str:
        try:
            claims = jwt.decode(
                token,
                self.key,
                algorithms=[ALGORITHM],  # pinned: `alg: none` or RS/HS confusion is refused
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        return str(claims["sub"])
