"""Passwords (argon2) and access tokens (JWT, HS256 pinned, with expiry)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

ALGORITHM = "HS256"
ISSUER = "todo-backend"
AUDIENCE = "todo-api"

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
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
