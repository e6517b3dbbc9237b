"""The stack's own PostgreSQL cluster holds both services' databases."""

import subprocess

from devstack.testing import RunningStack


def test_postgres_has_both_databases(running_stack: RunningStack) -> None:
    pg = running_stack.endpoints["infra"]["postgres"]
    password = running_stack.stack.secrets["postgres-password"]
    for db in ("todo", "notifications"):
        out = subprocess.run(
            [
                "psql",
                "-h",
                pg["host"],
                "-p",
                str(pg["port"]),
                "-U",
                pg["user"],
                "-d",
                db,
                "-tAc",
                "SELECT current_database()",
            ],
            env={"PGPASSWORD": password},
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == db


def test_endpoints_file_describes_the_running_stack(running_stack: RunningStack) -> None:
    import json

    written = json.loads((running_stack.stack.run_dir / "endpoints.json").read_text())
    assert set(written["apps"]) == {"backend", "notification-service", "ai-service"}
    for app in written["apps"].values():
        assert app["dapr_http"].startswith("http://127.0.0.1:")
        assert app["dapr_api_token"]
    assert {"postgres", "redis", "kafka", "scheduler", "sentry"} <= set(written["infra"])
