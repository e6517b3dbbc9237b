"""Migrations on the stack's real PostgreSQL, each test in a scratch database of its own."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from backend.db.migrate import migrations
from dapr_common.postgres import SchemaBehind
from devstack.testing import RunningStack

pytestmark = pytest.mark.integration


def psql(stack: RunningStack, sql: str, db: str = "postgres") -> str:
    pg = stack.endpoints["infra"]["postgres"]
    out = subprocess.run(
        ["psql", "-h", pg["host"], "-p", str(pg["port"]), "-U", pg["user"], "-d", db, "-tAc", sql],
        env={"PGPASSWORD": stack.stack.secrets["postgres-password"]},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture
def scratch_db(running_stack: RunningStack) -> Iterator[str]:
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    psql(running_stack, f'CREATE DATABASE "{name}"')
    yield name
    psql(running_stack, f'DROP DATABASE "{name}" WITH (FORCE)')


def migrate(stack: RunningStack, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": stack.stack.database_url(db)}
    return subprocess.run(
        [sys.executable, "-m", "backend.db.migrate", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_upgrade_on_an_empty_database_creates_the_schema(
    running_stack: RunningStack, scratch_db: str
) -> None:
    assert migrate(running_stack, scratch_db, "upgrade").returncode == 0
    tables = set(
        psql(
            running_stack, "SELECT tablename FROM pg_tables WHERE schemaname='public'", scratch_db
        ).split()
    )
    assert {"users", "tasks", "outbox", "alembic_version"} <= tables
    assert migrate(running_stack, scratch_db, "current").stdout.strip() == migrations.head()
    assert migrate(running_stack, scratch_db, "check").returncode == 0
    assert migrate(running_stack, scratch_db, "upgrade").returncode == 0  # idempotent


def test_the_migrations_build_exactly_the_tables_the_models_declare(
    running_stack: RunningStack, scratch_db: str
) -> None:
    assert migrate(running_stack, scratch_db, "upgrade").returncode == 0
    # Alembic's autogenerate comparison: raises if models and migrated schema differ.
    command.check(migrations.config(running_stack.stack.database_url(scratch_db)))


def test_a_database_behind_is_refused_with_a_clear_message(
    running_stack: RunningStack, scratch_db: str
) -> None:
    result = migrate(running_stack, scratch_db, "check")
    assert result.returncode == 1
    assert "run `python -m backend.db.migrate upgrade`" in result.stderr


async def test_the_app_refuses_a_schema_that_is_behind(
    running_stack: RunningStack, scratch_db: str
) -> None:
    engine = create_async_engine(running_stack.stack.database_url(scratch_db))
    try:
        with pytest.raises(SchemaBehind, match="schema is at nothing"):
            await migrations.ensure_current(engine)
    finally:
        await engine.dispose()


async def test_the_app_serves_on_a_schema_a_newer_release_migrated(
    running_stack: RunningStack, scratch_db: str
) -> None:
    """Issue #15, fault 5: after release N migrated, a pod of N-1 (a restart, `rollout undo`)
    still starts: a revision this code does not know is newer, and expand/contract keeps it
    compatible. One behind (an ancestor of the head) is still refused."""
    assert migrate(running_stack, scratch_db, "upgrade").returncode == 0
    psql(
        running_stack, "UPDATE alembic_version SET version_num = '0099_from_the_future'", scratch_db
    )
    # the pod's migration step (init container, `make up`) leaves it as it is and succeeds
    upgrade = migrate(running_stack, scratch_db, "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr[-800:]
    assert "newer than this code's" in upgrade.stdout
    engine = create_async_engine(running_stack.stack.database_url(scratch_db))
    try:
        await migrations.ensure_current(engine)  # no SchemaBehind
        psql(running_stack, "UPDATE alembic_version SET version_num = '0001'", scratch_db)
        with pytest.raises(SchemaBehind, match="schema is at 0001"):
            await migrations.ensure_current(engine)
    finally:
        await engine.dispose()


def test_the_release_before_a_column_can_still_write_on_the_new_schema(
    running_stack: RunningStack, scratch_db: str
) -> None:
    """Expand/contract (issue #15, fault 5): at the head, a user inserted as the code of 0001
    wrote it (no channels column) is accepted, with the default channels."""
    assert migrate(running_stack, scratch_db, "upgrade").returncode == 0
    psql(
        running_stack,
        "INSERT INTO users (id, email, password_hash, display_name, timezone, created_at) "
        "VALUES ('u-old', 'old@example.com', 'x', 'Old', 'UTC', now())",
        scratch_db,
    )
    assert psql(running_stack, "SELECT channels FROM users WHERE id = 'u-old'", scratch_db) == (
        "{in-app}"
    )


def test_replicas_migrating_at_once_take_turns(
    running_stack: RunningStack, scratch_db: str
) -> None:
    """Four migrators (the init containers of four pods) start together on an empty database:
    each succeeds, one after the other, and the schema is at the head."""
    env = {**os.environ, "DATABASE_URL": running_stack.stack.database_url(scratch_db)}
    migrators = [
        subprocess.Popen(
            [sys.executable, "-m", "backend.db.migrate", "upgrade"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(m.wait(timeout=120), m.stderr.read() if m.stderr else "") for m in migrators]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err[-600:] for _, err in results]
    assert migrate(running_stack, scratch_db, "current").stdout.strip() == migrations.head()


def test_the_running_backend_is_ready_on_a_current_schema(running_stack: RunningStack) -> None:
    with running_stack.app("backend") as app:
        answer = app.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "sidecar": "ok", "database": "ok"}
