"""The mailer on a real PostgreSQL: a mail committed before a crash is sent after it, mailers
of several replicas on one database send each mail once, and a stalled one whose claim lapsed
sends nothing."""

import asyncio
import uuid
from collections import Counter

from sqlalchemy import text

from dapr_common import DaprClient, DaprSettings
from dapr_common.postgres import make_engine, session_factory
from dapr_common.testing import FakeSidecar
from devstack.testing import RunningStack
from notification_service.service_layer.email import Mailer, MailerPolicy

from .conftest import eventually, serve
from .test_email_and_dead_letters import email_status, register


def test_a_mail_committed_before_a_crash_is_sent_after_the_restart(
    running_stack: RunningStack, notifications_db: str, sidecar: FakeSidecar
) -> None:
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(200)
    body = {"type": "custom", "title": "Hi", "channels": ["in-app", "email"]}
    # a replica that dies right after the commit: its mailer never runs
    with serve(running_stack, notifications_db, sidecar, mailer=False) as dying:
        uid = register(dying, ["in-app"])
        assert dying.post("/send", json={**body, "userId": uid}).status_code == 200
    assert not smtp.called
    with serve(running_stack, notifications_db, sidecar) as restarted:
        eventually(lambda: email_status(restarted, uid, "custom") == "sent", "the mail sent")
    assert [c.json()["metadata"]["subject"] for c in smtp.calls] == ["Hi"]


async def test_mailers_of_three_replicas_send_each_mail_once(
    running_stack: RunningStack, notifications_db: str, sidecar: FakeSidecar
) -> None:
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(200, delay=0.02)
    body = {"type": "custom", "channels": ["in-app", "email"]}
    with serve(running_stack, notifications_db, sidecar, mailer=False) as app:
        uid = register(app, ["in-app"])
        titles = [f"mail {uuid.uuid4().hex[:6]}" for _ in range(30)]
        for title in titles:
            assert (
                app.post("/send", json={**body, "userId": uid, "title": title}).status_code == 200
            )
    engine = make_engine(running_stack.stack.database_url(notifications_db))
    settings = DaprSettings(dapr_http_endpoint=sidecar.url)  # type: ignore[arg-type]
    try:
        async with DaprClient(settings) as dapr:
            policy = MailerPolicy(batch=4)
            mailers = [Mailer(session_factory(engine), dapr, policy) for _ in range(3)]

            async def drain(mailer: Mailer) -> int:
                sent = 0
                while n := await mailer.send_due():
                    sent += n
                return sent

            claimed = await asyncio.gather(*(drain(m) for m in mailers))
    finally:
        await engine.dispose()
    subjects = Counter(c.json()["metadata"]["subject"] for c in smtp.calls)
    mine = {t: subjects[t] for t in titles}
    assert set(mine.values()) == {1}, mine
    assert sum(claimed) == len(titles) and min(claimed) > 0, claimed


async def test_a_mailer_whose_claim_lapsed_sends_nothing(
    running_stack: RunningStack, notifications_db: str, sidecar: FakeSidecar
) -> None:
    """Mailer A claims a mail and stalls past its claim; B claims it and sends it. A, back,
    neither sends it again nor overwrites B's outcome."""
    smtp = sidecar.post("/v1.0/bindings/smtp").respond(200)
    body = {"type": "custom", "channels": ["in-app", "email"], "title": "once"}
    with serve(running_stack, notifications_db, sidecar, mailer=False) as app:
        uid = register(app, ["in-app"])
        assert app.post("/send", json={**body, "userId": uid}).status_code == 200
    engine = make_engine(running_stack.stack.database_url(notifications_db))
    settings = DaprSettings(dapr_http_endpoint=sidecar.url)  # type: ignore[arg-type]
    try:
        async with DaprClient(settings) as dapr:
            a, b = (Mailer(session_factory(engine), dapr) for _ in range(2))
            mine = await a._claim()
            assert mine, "A claimed nothing"
            async with engine.begin() as connection:  # A stalls: its claims lapse
                await connection.execute(
                    text("UPDATE notifications SET email_claimed_until = now() - interval '1 s'")
                )
            assert await b.send_due() >= 1
            for nid, claim in mine:
                await a._send(nid, claim)
    finally:
        await engine.dispose()
    subjects = [c.json()["metadata"]["subject"] for c in smtp.calls]
    assert subjects.count("once") == 1
