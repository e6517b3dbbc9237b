"""The stack's own PostgreSQL cluster holds both services' databases."""

from devstack.manifest import APP_IDS
from devstack.testing import RunningStack


def test_postgres_has_both_databases(running_stack: RunningStack) -> None:
    for db in ("todo", "notifications"):
        assert running_stack.query(db, "SELECT current_database()") == [[db]]


def test_endpoints_file_describes_the_running_stack(running_stack: RunningStack) -> None:
    import json

    written = json.loads((running_stack.stack.run_dir / "endpoints.json").read_text())
    assert set(written["apps"]) == set(APP_IDS)
    for app in written["apps"].values():
        assert app["dapr_http"].startswith("http://127.0.0.1:")
        assert app["dapr_api_token"]
    assert {"postgres", "redis", "kafka", "scheduler", "sentry"} <= set(written["infra"])
