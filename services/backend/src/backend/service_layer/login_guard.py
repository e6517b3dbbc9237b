"""Repeated failed logins are limited per account: each login attempt first reserves a place
in the account's budget of `MAX_FAILURES` attempts per `WINDOW`; once the budget is spent the
account refuses logins (429, Retry-After) until the window passes, without checking the
password at all, so guessing costs the guesser the window. A right password gives the budget
back.

The count lives in the Dapr state store (`login-failures-<hash of the email>`, TTL = the
window, refreshed on each attempt) so every backend replica shares it. The reservation is a
read-modify-write under the key's ETag (`state.update`), taken before the password is checked:
500 concurrent guesses check at most `MAX_FAILURES` passwords (a check-then-count would let
all of them through and count about 2). Contention that outlasts the retries refuses the
attempt. When the store is unreachable the guard lets logins through (and says so in the
log): it slows attackers, it must not lock everybody out. So that a burst cannot make it look
unreachable, each replica runs at most `CONCURRENT` reservations at a time: 500 logins at once
on one account were 500 read-modify-writes racing on one key (each lost race a retry), which
on a busy machine timed out, and 181 of them were let through.
"""

import asyncio
import hashlib
import logging
import weakref
from datetime import timedelta
from typing import Any

from dapr_common import DaprClient, DaprError, ETagMismatch

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
CONCURRENT = 8
_reserving: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]" = (
    weakref.WeakKeyDictionary()
)


def _turns() -> asyncio.Semaphore:
    """This event loop's reservation slots (one loop per process in production; tests run
    several)."""
    loop = asyncio.get_running_loop()
    if loop not in _reserving:
        _reserving[loop] = asyncio.Semaphore(CONCURRENT)
    return _reserving[loop]


def key(email: str) -> str:
    return "login-failures-" + hashlib.sha256(email.lower().encode()).hexdigest()[:32]


class LoginGuard:
    def __init__(
        self, dapr: DaprClient, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW
    ):
        self.dapr = dapr
        self.max_failures = max_failures
        self.window = window

    async def reserve(self, email: str) -> bool:
        """Take one attempt from the account's budget; False when it is spent (or contended
        past the retries), so the password must not be checked."""

        def take(current: Any) -> dict[str, int]:
            count = int(current.get("count", 0)) if isinstance(current, dict) else 0
            return {"count": min(count + 1, self.max_failures + 1)}

        try:
            async with _turns():
                taken = await self.dapr.state.update(key(email), take, ttl=self.window)
        except ETagMismatch:
            log.warning("login guard: attempts for one account contended past the retries")
            return False
        except DaprError as exc:
            log.warning("login guard off: the state store is unreachable (%s)", exc)
            return True
        return int(taken["count"]) <= self.max_failures

    async def succeeded(self, email: str) -> None:
        """The right password: the budget is whole again."""
        try:
            await self.dapr.state.delete(key(email))
        except DaprError as exc:
            log.warning("login guard could not reset (%s)", exc)
