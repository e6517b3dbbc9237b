"""Repeated failed logins are limited per account: after `MAX_FAILURES` wrong passwords in a
`WINDOW`, the account refuses logins (429, Retry-After) until the window passes, without
checking the password at all, so guessing costs the guesser the window.

The count lives in the Dapr state store (`login-failures-<hash of the email>`, TTL = the
window, refreshed on each failure) so every backend replica shares it. When the store is
unreachable the guard lets logins through (and says so in the log): it slows attackers, it
must not lock everybody out.
"""

import hashlib
import logging
from datetime import timedelta

from dapr_common import DaprClient, DaprError

log = logging.getLogger(__name__)

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def key(email: str) -> str:
    return "login-failures-" + hashlib.sha256(email.lower().encode()).hexdigest()[:32]


class LoginGuard:
    def __init__(
        self, dapr: DaprClient, max_failures: int = MAX_FAILURES, window: timedelta = WINDOW
    ):
        self.dapr = dapr
        self.max_failures = max_failures
        self.window = window

    async def failures(self, email: str) -> int:
        try:
            item = await self.dapr.state.get(key(email))
        except DaprError as exc:
            log.warning("login guard off: the state store is unreachable (%s)", exc)
            return 0
        return int(item.value.get("count", 0)) if item is not None else 0

    async def failed(self, email: str) -> None:
        count = await self.failures(email) + 1
        try:
            await self.dapr.state.save(key(email), {"count": count}, ttl=self.window)
        except DaprError as exc:
            log.warning("login guard could not count a failure (%s)", exc)

    async def succeeded(self, email: str) -> None:
        try:
            await self.dapr.state.delete(key(email))
        except DaprError as exc:
            log.warning("login guard could not reset (%s)", exc)
