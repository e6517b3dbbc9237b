"""The email channel: one mail per notification through the Dapr SMTP output binding, at least
once, never inline.

A notification that asks for email is committed "pending" with its mail (the rendered HTML; the
subject is its title) in the transaction that stores it, so a crash right after the commit
loses nothing. The mailer of every replica sends pending mails: woken at once by a new one on
its own replica, and every `poll` seconds for the others (another replica's, one whose try
failed, one left by a crash). Each try first claims the row for `claim` in a short transaction
of its own (`FOR UPDATE SKIP LOCKED`), so no transaction is held across the SMTP call and two
replicas never send one mail at the same time; the claim lapses if the claimer dies. A failed
try (the relay refusing, the sidecar down, no address known for the user yet) waits a jittered
backoff of its own; after `max_attempts` tries the mail is "failed", the last error kept. A
crash between the relay taking a mail and the "sent" mark sends it again once the claim lapses:
at least once.
"""

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from dapr_common import DaprClient, DaprError
from dapr_common.postgres import database_unavailable
from notification_service.db.models import Notification, Recipient

log = logging.getLogger(__name__)

BINDING = "smtp"
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class MailerPolicy:
    claim: timedelta = timedelta(seconds=60)
    poll: float = 5.0
    batch: int = 10
    max_attempts: int = 10  # about 45 minutes of tries with the default backoff
    first_backoff: float = 15.0
    max_backoff: float = 600.0

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed try: doubling, jittered ±25 %, capped."""
        seconds = min(self.first_backoff * 2 ** (attempts - 1), self.max_backoff)
        return timedelta(seconds=seconds * random.uniform(0.75, 1.25))


async def send(dapr: DaprClient, to: str, subject: str, html: str) -> str | None:
    """Hand the mail to the relay; None when it took it, else why not."""
    try:
        await dapr.bindings.invoke(
            BINDING, "create", html, metadata={"emailTo": to, "subject": subject}
        )
    except DaprError as exc:
        log.warning("email to user could not be sent: %s", exc)
        return str(exc) or type(exc).__name__
    return None


class Mailer:
    """Sends the pending mails of every replica (see the module's docstring)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        dapr: DaprClient,
        policy: MailerPolicy | None = None,
    ) -> None:
        self.sessions = sessions
        self.dapr = dapr
        self.policy = policy or MailerPolicy()
        self._woken = asyncio.Event()

    def wake(self) -> None:
        """A mail was committed on this replica: send it now, not at the next poll."""
        self._woken.set()

    async def run(self) -> None:
        while True:
            self._woken.clear()
            try:
                while await self.send_due() == self.policy.batch:
                    pass  # a full batch: there may be more
            except Exception as exc:
                level = logging.WARNING if database_unavailable(exc) else logging.ERROR
                log.log(level, "mailer pass failed (will try again): %s", exc, exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), self.policy.poll)

    async def send_due(self) -> int:
        """Claim the mails due now (a batch), send each, record how it went; how many."""
        claimed = await self._claim()
        for notification_id, claim in claimed:
            await self._send(notification_id, claim)
        return len(claimed)

    async def _claim(self) -> list[tuple[str, datetime]]:
        """Due pending mails, each claimed until now() + `claim`: that time is the claim's
        token (another claim of the row is another transaction, so another now())."""
        n = Notification
        due = (
            select(n.id)  # type: ignore[call-overload]
            .where(
                col(n.email_status) == PENDING,
                or_(
                    col(n.email_next_attempt_at).is_(None),
                    col(n.email_next_attempt_at) <= func.now(),
                ),
                or_(col(n.email_claimed_until).is_(None), col(n.email_claimed_until) < func.now()),
            )
            .order_by(col(n.created_at))
            .limit(self.policy.batch)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(n)
            .where(col(n.id).in_(due.scalar_subquery()))
            .values(email_claimed_until=func.now() + self.policy.claim)
            .returning(col(n.id), col(n.email_claimed_until))
        )
        async with self.sessions() as session:
            rows = [(str(r[0]), r[1]) for r in (await session.exec(claim)).all()]
            await session.commit()
        return rows

    async def _send(self, notification_id: str, claim: datetime) -> None:
        """Send one claimed mail and record the outcome, both only while the claim is still
        this mailer's: renewed just before the send (a batch's tail would lapse otherwise),
        and every write conditional on it."""
        n = Notification
        mine = (col(n.id) == notification_id, col(n.email_status) == PENDING)
        renew = (
            update(n)
            .where(*mine, col(n.email_claimed_until) == claim)
            .values(email_claimed_until=func.now() + self.policy.claim)
            .returning(
                col(n.email_claimed_until),
                col(n.user_id),
                col(n.title),
                col(n.email_body),
                col(n.email_attempts),
            )
        )
        async with self.sessions() as session:
            renewed = (await session.exec(renew)).first()
            if renewed is None:
                await session.commit()
                return  # sent meanwhile, or claimed by another mailer once this claim lapsed
            claim, user_id, subject, html, attempts = renewed
            who = await session.get(Recipient, user_id)
            await session.commit()  # the connection back to the pool before the SMTP call
        error = (
            "no email address is known for this user"
            if who is None
            else await send(self.dapr, who.email, subject, html or "")
        )
        outcome: dict[str, Any]
        if error is None:
            outcome = {"email_status": SENT, "email_error": None, "email_body": None}
        else:
            tries = col(n.email_attempts) + 1
            given_up = tries >= self.policy.max_attempts
            outcome = {
                "email_attempts": tries,
                "email_error": error[:1000],
                "email_status": case((given_up, FAILED), else_=PENDING),
                "email_body": case((given_up, None), else_=col(n.email_body)),
                # the next try on the database's clock, which the claim compares with
                "email_next_attempt_at": func.now() + self.policy.backoff(attempts + 1),
            }
        record = (
            update(n)
            .where(*mine, col(n.email_claimed_until) == claim)
            .values(email_claimed_until=None, **outcome)
        )
        async with self.sessions() as session:
            await session.exec(record)
            await session.commit()
