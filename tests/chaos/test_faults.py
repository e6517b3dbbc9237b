"""Sixteen faults on the real stack at 2 replicas of every app; after each, the books must balance:
every effect expected is there once, none twice, and the time to recover is recorded (see
conftest.py). A fault on an app hits every replica of it (the app is down), unless the
scenario says one replica."""

import json
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from devstack.stack import replica_name
from devstack.testing import RunningStack

from .conftest import (
    Row,
    User,
    balance,
    books,
    create_tasks,
    every_replica,
    kill,
    sign_up,
    start,
    topic_config,
)

pytestmark = [pytest.mark.integration, pytest.mark.disruptive]
SETTLE = 180.0  # the longest a scenario may take to balance its books after the fault


def fault_during(
    running_stack: RunningStack,
    backend_urls: list[str],
    names: list[str],
    count: int,
    after: int,
    down_for: float,
    complete_every: int = 5,
) -> tuple[list[str], list[str], float, User]:
    """Create `count` tasks through every backend replica; once `after` are accepted, SIGKILL
    the processes `names` together, restart them `down_for` seconds later. Returns the ids, the
    moment of the restart and the user."""
    stack = running_stack.stack
    with httpx.Client(base_url=backend_urls[0], timeout=30.0) as backend:
        user = sign_up(backend)
    restarted = threading.Event()
    restarted_at = [0.0]
    started = threading.Event()

    def fault() -> None:
        for name in names:
            kill(stack, name)
        time.sleep(down_for)
        start(stack, *names)
        restarted_at[0] = time.monotonic()
        restarted.set()

    def progress(n: int) -> None:
        if n >= after and not started.is_set():
            started.set()
            threading.Thread(target=fault, daemon=True).start()

    created, completed = create_tasks(
        backend_urls, user, count, complete_every=complete_every, on_progress=progress
    )
    assert restarted.wait(120), f"{', '.join(names)} did not come back"
    return created, completed, restarted_at[0], user


def killed_mid_stream(
    running_stack: RunningStack,
    backend_urls: list[str],
    book: Callable[[Row], None],
    scenario: str,
    names: str | list[str],
    count: int,
    after: int,
    down_for: float,
) -> None:
    """`count` creates (every 5th completed); the processes `names` (a name: every replica of
    it) SIGKILLed once `after` are accepted and restarted `down_for` s later; then the books,
    booked and asserted."""
    stack = running_stack.stack
    victims = every_replica(stack, names) if isinstance(names, str) else names
    created, completed, restarted_at, user = fault_during(
        running_stack, backend_urls, victims, count, after, down_for
    )
    settled(
        running_stack,
        book,
        scenario,
        f"{' + '.join(victims)} SIGKILL at {after}, restart {down_for:g} s later",
        user,
        created,
        completed,
        restarted_at,
    )


def settled(
    running_stack: RunningStack,
    book: Callable[[Row], None],
    scenario: str,
    fault: str,
    user: User,
    created: list[str],
    completed: list[str],
    since: float,
) -> None:
    """Wait for the books of a create/complete workload to balance, book the row (recovery
    counted from `since`), and assert: every effect once."""
    b, _ = balance(running_stack, user, created, completed, SETTLE)
    book(
        Row(
            scenario,
            f"{len(created)} creates, {len(completed)} completes",
            fault,
            b.expected,
            b.delivered,
            b.duplicated,
            time.monotonic() - since,
            checks=b.details,
        )
    )
    assert b.delivered == b.expected, b.details
    assert b.duplicated == 0, b.details


def test_1_kafka_broker_killed_mid_stream(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    killed_mid_stream(
        running_stack, backend_urls, book, "1 Kafka broker SIGKILL", "kafka", 500, 100, 10
    )


def test_2_notification_service_killed(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    killed_mid_stream(
        running_stack,
        backend_urls,
        book,
        "2 notification-service SIGKILL",
        "notification-service",
        200,
        50,
        3,
    )


def test_3_notification_sidecar_killed(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    killed_mid_stream(
        running_stack,
        backend_urls,
        book,
        "3 notification daprd SIGKILL",
        "daprd-notification-service",
        200,
        50,
        3,
    )


def test_4_backend_killed_mid_stream(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    """Between commits and publishes there is always an outbox backlog under load: the kill
    lands in it; the restarted relay publishes what was committed, once."""
    killed_mid_stream(
        running_stack, backend_urls, book, "4 backend SIGKILL (outbox)", "backend", 200, 50, 2
    )


def test_5_redis_stopped(
    running_stack: RunningStack, backend: httpx.Client, book: Callable[[Row], None]
) -> None:
    stack = running_stack.stack
    user = sign_up(backend)
    kill(stack, "redis", signal.SIGTERM)
    try:
        made = backend.post("/api/tasks", json={"title": "while redis is down"}, headers=user.auth)
        listed = backend.get("/api/tasks", headers=user.auth)
        prefs = backend.get("/api/me/preferences", headers=user.auth)
    finally:
        start(stack, "redis")
    restarted = time.monotonic()
    assert made.status_code == 201, made.text  # the cache is best effort
    assert listed.status_code == 200 and made.json()["id"] in [
        t["id"] for t in listed.json()["items"]
    ]
    assert prefs.status_code == 503 and "preference store" in prefs.json()["detail"]
    while backend.get("/api/me/preferences", headers=user.auth).status_code != 200:
        assert time.monotonic() - restarted < 60, "preferences did not come back"
        time.sleep(0.5)
    recovery = time.monotonic() - restarted
    book(
        Row(
            "5 Redis stopped",
            "create, list, preferences",
            "SIGTERM, restart",
            3,
            3,
            0,
            recovery,
            notes="tasks 201 and list 200 while down; preferences 503, then 200 without restarts",
        )
    )


def test_6_postgres_restarted(
    running_stack: RunningStack, backend: httpx.Client, book: Callable[[Row], None]
) -> None:
    stack = running_stack.stack
    user = sign_up(backend)
    kill(stack, "postgres", signal.SIGINT)
    timings = []
    try:
        for _ in range(3):
            t0 = time.monotonic()
            answer = backend.post("/api/tasks", json={"title": "db down"}, headers=user.auth)
            timings.append(time.monotonic() - t0)
            assert answer.status_code == 503, answer.text
            assert "unavailable" in answer.json()["detail"] and answer.headers["retry-after"]
    finally:
        start(stack, "postgres")
    restarted = time.monotonic()
    while (
        backend.post("/api/tasks", json={"title": "db back"}, headers=user.auth).status_code != 201
    ):
        assert time.monotonic() - restarted < 60, "the backend did not recover"
        time.sleep(0.5)
    recovery = time.monotonic() - restarted
    assert max(timings) < 10, timings
    book(
        Row(
            "6 PostgreSQL restarted",
            "creates during and after",
            "SIGTERM, restart",
            3,
            3,
            0,
            recovery,
            notes=f"503 in {max(timings):.2f} s at most during the outage",
        )
    )


def test_7_a_poison_message_on_each_topic(
    running_stack: RunningStack,
    backend: httpx.Client,
    backend_url: str,
    book: Callable[[Row], None],
) -> None:
    topics = ["user.registered", "task.created", "task.updated", "task.completed", "task.deleted"]
    poison_ids = {}
    with running_stack.sidecar("backend") as dapr:
        for topic in topics:
            event_id = str(uuid.uuid4())
            poison_ids[topic] = event_id
            envelope = {
                "specversion": "1.0",
                "id": event_id,
                "source": "chaos",
                "type": topic,
                "datacontenttype": "application/json",
                "data": {"taskId": 42, "userId": [1]},
            }
            answer = dapr.post(
                f"/v1.0/publish/pubsub/{topic}",
                content=json.dumps(envelope),
                headers={"content-type": "application/cloudevents+json"},
            )
            assert answer.status_code == 204, answer.text
    t0 = time.monotonic()
    user = sign_up(backend)
    created, completed = create_tasks(backend_url, user, 20, complete_every=2)
    b, _ = balance(running_stack, user, created, completed, SETTLE)
    with running_stack.app("notification-service", app_token=True) as operator:
        while True:
            letters = operator.get("/dead-letters", params={"limit": 100}).json()["items"]
            found = {d["originalTopic"] for d in letters if d["eventId"] in poison_ids.values()}
            if found == set(topics) or time.monotonic() - t0 > SETTLE:
                break
            time.sleep(1)
    recovery = time.monotonic() - t0
    book(
        Row(
            "7 poison message on each topic",
            "5 poison + 20 creates, 10 completes",
            "undecodable payloads",
            b.expected,
            b.delivered,
            b.duplicated,
            recovery,
            notes=f"dead-lettered: {len(found)}/5 topics",
            checks=b.details,
        )
    )
    assert found == set(topics)
    assert b.delivered == b.expected and b.duplicated == 0, b.details


def test_8_scheduler_restarted(
    running_stack: RunningStack, backend: httpx.Client, book: Callable[[Row], None]
) -> None:
    stack = running_stack.stack
    user = sign_up(backend)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=85)
    remind_at = due - timedelta(minutes=1)
    task = backend.post(
        "/api/tasks",
        json={"title": "durable reminder", "due_at": due.isoformat(), "remind_before_minutes": 1},
        headers=user.auth,
    ).json()
    kill(stack, "scheduler", signal.SIGKILL)
    time.sleep(3)
    start(stack, "scheduler")
    restarted = time.monotonic()
    while True:
        items = backend.get("/api/me/notifications", headers=user.auth).json()["items"]
        reminders = [n for n in items if n["type"] == "reminder" and n["taskId"] == task["id"]]
        if reminders:
            break
        assert datetime.now(UTC) < remind_at + timedelta(seconds=30), "the reminder was lost"
        time.sleep(0.5)
    late = (datetime.now(UTC) - remind_at).total_seconds()
    book(
        Row(
            "8 scheduler restarted",
            "1 reminder due in 25 s",
            "SIGKILL, restart 3 s later",
            1,
            len(reminders),
            len(reminders) - 1,
            time.monotonic() - restarted,
            notes=f"fired {late:.1f} s after its time",
        )
    )
    assert len(reminders) == 1


def test_9_one_replica_of_each_app_killed_mid_stream(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    """The second replica of every app and its sidecar SIGKILLed together mid-stream (a node
    lost): the first replicas carry on, the consumer groups rebalance onto them, the relay's
    lease moves if the dead one held it; restarted 3 s later."""
    stack = running_stack.stack
    second = [
        name
        for app_id in stack.ports.apps
        for name in (f"daprd-{replica_name(app_id, 1)}", replica_name(app_id, 1))
    ]
    killed_mid_stream(
        running_stack,
        backend_urls,
        book,
        "9 one replica of each app SIGKILL",
        second,
        300,
        60,
        3,
    )


def test_10_rolling_restart_of_every_replica_under_load(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    """Every replica of every app restarted one at a time (SIGTERM to its sidecar, then to the
    app, then both started and ready before the next), as a rollout does, while tasks are
    created through every backend replica."""
    stack = running_stack.stack
    with httpx.Client(base_url=backend_urls[0], timeout=30.0) as backend:
        user = sign_up(backend)
    order = [replica_name(app_id, i) for app_id in stack.ports.apps for i in range(stack.replicas)]
    done = threading.Event()
    failures: list[BaseException] = []

    def roll() -> None:
        # The pod hand-off's order: the sidecar stops first (callers move to the other
        # replica), then the app; both start together (each waits on the other).
        try:
            for name in order:
                kill(stack, f"daprd-{name}", signal.SIGTERM)
                kill(stack, name, signal.SIGTERM)
                start(stack, name, f"daprd-{name}")
        except BaseException as exc:  # reported by the test thread
            failures.append(exc)
        finally:
            done.set()

    roller = threading.Thread(target=roll, daemon=True)
    roller.start()
    created: list[str] = []
    completed: list[str] = []
    while not done.is_set():  # load for as long as the roll lasts
        more, finished_ones = create_tasks(backend_urls, user, 40, complete_every=5)
        created += more
        completed += finished_ones
    roller.join(10)
    assert not failures, failures
    settled(
        running_stack,
        book,
        "10 rolling restart, every replica",
        f"SIGTERM + restart, one replica at a time ({len(order)})",
        user,
        created,
        completed,
        time.monotonic(),
    )


def test_11_notification_service_down_across_a_reminders_time(
    running_stack: RunningStack, backend: httpx.Client, book: Callable[[Row], None]
) -> None:
    """Every notification-service replica killed 5 s before a reminder's time and restarted
    30 s later: the scheduler's retries (every 10 s for 15 min) deliver it, once. With the
    scheduler's default (3 tries 1 s apart) it was lost."""
    stack = running_stack.stack
    user = sign_up(backend)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=90)
    remind_at = due - timedelta(minutes=1)
    task = backend.post(
        "/api/tasks",
        json={"title": "reminded late", "due_at": due.isoformat(), "remind_before_minutes": 1},
        headers=user.auth,
    ).json()
    apps = every_replica(stack, "notification-service")
    time.sleep(max(0.0, (remind_at - datetime.now(UTC)).total_seconds() - 5))
    for name in apps:
        kill(stack, name)
    time.sleep(30)
    start(stack, *apps)
    restarted = time.monotonic()
    while True:
        answer = backend.get("/api/me/notifications", headers=user.auth)
        items = answer.json()["items"] if answer.status_code == 200 else []
        reminders = [n for n in items if n["type"] == "reminder" and n["taskId"] == task["id"]]
        if reminders:
            break
        assert time.monotonic() - restarted < 90, "the reminder was lost"
        time.sleep(1)
    late = (datetime.now(UTC) - remind_at).total_seconds()
    recovery = time.monotonic() - restarted
    time.sleep(15)  # a later retry must not make a second one
    items = backend.get("/api/me/notifications", headers=user.auth).json()["items"]
    reminders = [n for n in items if n["type"] == "reminder" and n["taskId"] == task["id"]]
    book(
        Row(
            "11 notification-service down at a reminder",
            "1 reminder",
            "every replica SIGKILL 5 s before its time, restart 30 s later",
            1,
            len(reminders),
            len(reminders) - 1,
            recovery,
            notes=f"delivered {late:.0f} s after its time",
        )
    )
    assert len(reminders) == 1


def test_12_postgres_down_past_the_delivery_retry(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    """PostgreSQL down for 120 s, longer than a delivery's retries (about 80 s), while events
    are on their way to notification-service: its replicas are frozen (SIGSTOP) during the
    workload, so its deliveries wait in their sidecars, then thawed once the database is down.
    Such events could go to dead-letter topics whose subscriber needs PostgreSQL too, and be
    skipped; now each delivery is held until the database answers. The freeze stays under
    the sidecars' app-health threshold (30 s), which it must not cross."""
    stack = running_stack.stack
    consumers = every_replica(stack, "notification-service")
    with httpx.Client(base_url=backend_urls[0], timeout=30.0) as backend:
        user = sign_up(backend)
    frozen = [stack.table.load(name) for name in consumers]
    pending = f"SELECT count(*) FROM outbox WHERE sent_at IS NULL AND partition_key = '{user.id}'"
    for proc in frozen:
        assert proc is not None
        os.killpg(proc.pid, signal.SIGSTOP)
    froze = time.monotonic()
    try:
        created, completed = create_tasks(backend_urls, user, 30, complete_every=5)
        deadline = time.monotonic() + 10  # the relay hands every event to Kafka first
        while running_stack.query("todo", pending) != [["0"]]:
            assert time.monotonic() < deadline, "the outbox did not drain"
            time.sleep(0.5)
        kill(stack, "postgres", signal.SIGINT)
    finally:
        for proc in frozen:
            assert proc is not None
            os.killpg(proc.pid, signal.SIGCONT)
    frozen_for = time.monotonic() - froze
    try:
        time.sleep(120)
    finally:
        start(stack, "postgres")
    assert frozen_for < 25, f"frozen {frozen_for:.0f} s: past the app-health threshold"
    settled(
        running_stack,
        book,
        "12 PostgreSQL down past the delivery retry",
        "notification-service's deliveries in flight; PostgreSQL SIGINT, restart 120 s later",
        user,
        created,
        completed,
        time.monotonic(),
    )


def test_13_smtp_relay_down_while_mail_goes_out(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    """The mail relay (the SMTP sink) SIGKILLed, 20 users registering for email meanwhile,
    restarted 30 s later: every welcome mail arrives, once. A mail the relay refused used to be
    marked failed at once and never sent; now the mailer retries it with a backoff."""
    stack = running_stack.stack
    kill(stack, "smtp")
    addresses = [f"chaos-mail-{uuid.uuid4().hex[:8]}@example.com" for _ in range(20)]
    try:
        for i, address in enumerate(addresses):
            with httpx.Client(base_url=backend_urls[i % len(backend_urls)], timeout=30.0) as b:
                body = {
                    "email": address,
                    "password": "chaos-pass-1",
                    "channels": ["in-app", "email"],
                }
                answer = b.post("/api/auth/register", json=body)
                assert answer.status_code == 201, answer.text
        time.sleep(30)
    finally:
        start(stack, "smtp")
    restarted = time.monotonic()
    while sum(1 for a in addresses if running_stack.mail_to(a)) < len(addresses):
        if time.monotonic() - restarted > SETTLE:
            break
        time.sleep(1)
    recovery = time.monotonic() - restarted
    time.sleep(5)  # a second copy would show up by now
    counts = [len(running_stack.mail_to(a)) for a in addresses]
    book(
        Row(
            "13 SMTP relay down",
            f"{len(addresses)} registrations with email",
            "SMTP sink SIGKILL, restart 30 s later",
            len(addresses),
            sum(1 for n in counts if n >= 1),
            sum(max(0, n - 1) for n in counts),
            recovery,
            notes="welcome mails in the SMTP sink's maildir",
        )
    )
    assert counts == [1] * len(addresses), counts


def test_14_the_relay_lease_holder_stalled_mid_stream(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    """The backend replica that holds the outbox relay's lease frozen (SIGSTOP: a paused
    process, or one whose connection went half-open) while the other replica takes the writes:
    the books must balance before the holder is thawed, so the other's relay took the lease
    once it lapsed (15 s) and published everything. With the lock held in a transaction across
    the publish, every relay stopped for as long as the holder's connection lived."""
    stack = running_stack.stack
    lease = "SELECT holder FROM relay_lease WHERE name = 'outbox' AND expires_at > now()"
    holder = running_stack.query("todo", lease)
    assert holder, "no relay holds the lease"
    names = every_replica(stack, "backend")
    pids = {n: p.pid for n in names if (p := stack.table.load(n)) is not None}

    def replica_of(lease_holder: str) -> str:
        (name,) = [n for n, pid in pids.items() if pid == int(lease_holder.split("/")[1])]
        return name

    frozen = replica_of(holder[0][0])
    other = backend_urls[1 - names.index(frozen)]
    with httpx.Client(base_url=other, timeout=30.0) as backend:
        user = sign_up(backend)
    proc = stack.table.load(frozen)
    assert proc is not None
    os.killpg(proc.pid, signal.SIGSTOP)
    try:
        stalled = time.monotonic()
        created, completed = create_tasks(other, user, 100, complete_every=5)
        settled(
            running_stack,
            book,
            "14 relay lease holder stalled",
            f"{frozen}, the lease holder, SIGSTOP until the books balance",
            user,
            created,
            completed,
            stalled,
        )
        now_held = running_stack.query("todo", lease)
        assert now_held and replica_of(now_held[0][0]) != frozen, "the lease did not move"
    finally:
        os.killpg(proc.pid, signal.SIGCONT)


def test_15_redis_down_across_a_digests_time(
    running_stack: RunningStack, backend: httpx.Client, book: Callable[[Row], None]
) -> None:
    """Redis (the state store, where preferences live) SIGKILLed 5 s before a user's daily
    digest fires and restarted 25 s later: the firing fails while the preferences cannot be
    read, the scheduler retries it (every 10 s), the digest arrives once and its job stays for
    the next day. It used to read "digest off" and delete the job for good."""
    stack = running_stack.stack
    user = sign_up(backend)
    overdue = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    task = {"title": "digest me", "due_at": overdue, "remind_before_minutes": 0}
    assert backend.post("/api/tasks", json=task, headers=user.auth).status_code == 201
    fires = (datetime.now(UTC) + timedelta(seconds=40)).replace(second=0, microsecond=0)
    fires += timedelta(minutes=1)  # the next minute at least 20 s away
    prefs = {"timezone": "UTC", "digest_enabled": True, "digest_time": fires.strftime("%H:%M")}
    answer = backend.put("/api/me/preferences", json=prefs, headers=user.auth)
    assert answer.status_code == 200, answer.text
    time.sleep(max(0.0, (fires - datetime.now(UTC)).total_seconds() - 5))
    kill(stack, "redis")
    time.sleep(25)
    start(stack, "redis")
    restarted = time.monotonic()

    def digests() -> list[dict[str, object]]:
        answer = backend.get("/api/me/notifications", headers=user.auth)
        items = answer.json()["items"] if answer.status_code == 200 else []
        return [n for n in items if n["type"] == "digest"]

    while not digests():
        assert time.monotonic() - restarted < 90, "the digest was lost"
        time.sleep(1)
    recovery = time.monotonic() - restarted
    time.sleep(15)  # a later retry must not make a second one
    got = digests()
    with running_stack.sidecar("backend") as dapr:
        job = dapr.get(f"/v1.0/jobs/digest-{user.id}")
    book(
        Row(
            "15 Redis down at a digest",
            "1 daily digest",
            "Redis SIGKILL 5 s before its time, restart 25 s later",
            1,
            len(got),
            len(got) - 1,
            recovery,
            notes=f"the job kept for the next day: {job.status_code == 200}",
        )
    )
    assert len(got) == 1
    assert job.status_code == 200, job.text


def test_16_a_topic_refused_by_the_broker(
    running_stack: RunningStack, backend_urls: list[str], book: Callable[[Row], None]
) -> None:
    """`task.completed` refused by Kafka for at least 30 s (its `max.message.bytes` set below
    any event's size, so each publish to it answers MESSAGE_TOO_LARGE) while tasks are created
    and completed through both backends. The other topics flow meanwhile: every `task.created`
    effect arrives while the refusal lasts and no completion does; `GET /outbox` shows the
    refused rows pending, none parked. Once the limit is lifted each completion arrives, once.
    The relay used to back off for every topic at once, behind the refused rows."""
    with httpx.Client(base_url=backend_urls[0], timeout=30.0) as backend:
        user = sign_up(backend)
    # The broker creates a topic on its first publish: one completion through first.
    warm, warm_done = create_tasks(backend_urls, user, 1, complete_every=1)
    b, _ = balance(running_stack, user, warm, warm_done, SETTLE)
    assert b.delivered == b.expected, b.details
    done = (
        "SELECT count(*) FROM notifications WHERE type = 'task_completed' "
        f"AND user_id = '{user.id}'"
    )
    topic_config(running_stack, "task.completed", {"max.message.bytes": "64"})
    refused_at = time.monotonic()
    try:
        created, completed = create_tasks(backend_urls, user, 100, complete_every=5)
        while (flowing := books(running_stack, user, warm + created, [])).delivered < (
            flowing.expected
        ):
            assert time.monotonic() - refused_at < 60, f"held back: {flowing.details}"
            time.sleep(1)
        flowed_in = time.monotonic() - refused_at
        time.sleep(max(0.0, 30 - flowed_in))
        with running_stack.app("backend", app_token=True) as operator:
            outbox = operator.get("/outbox").json()
        assert running_stack.query("notifications", done) == [["1"]], "a completion got through"
        assert outbox["pending"] >= len(completed) and outbox["parked"] == 0, outbox
    finally:
        topic_config(running_stack, "task.completed", {})
    settled(
        running_stack,
        book,
        "16 a topic refused by the broker",
        f"task.completed over max.message.bytes for {time.monotonic() - refused_at:.0f} s; "
        f"the other topics' effects all in {flowed_in:.1f} s meanwhile",
        user,
        warm + created,
        warm_done + completed,
        time.monotonic(),
    )
