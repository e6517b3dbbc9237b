"""The local name resolution (SQLite) tolerates a busy machine and keeps stacks apart.

How components-contrib 1.18.3 `nameresolution/sqlite` behaves: a sidecar renews its entry every
`updateInterval - timeout`, each renewal retrying for up to `timeout`; a lookup ignores an entry
whose age, counted in whole seconds, reaches `updateInterval`. The slack a renewal has before a
healthy app turns into "no host found" is then `timeout - 1 s` (0 s with the defaults)."""

from pathlib import Path
from typing import Any

import yaml

from devstack.ports import Ports
from devstack.stack import APP_IDS, Stack, Tokens
from devstack.topology.apps import _EXTRA_APP_CONFIG
from devstack.versions import repo_root


def seconds(value: str) -> int:
    assert value.endswith("s") or value == "0", value
    return int(value.rstrip("s"))


def name_resolutions() -> dict[str, dict[str, Any]]:
    out = {
        app: yaml.safe_load((repo_root() / "components" / "config" / f"{app}.yaml").read_text())
        for app in APP_IDS
    }
    out["a test's app"] = yaml.safe_load(_EXTRA_APP_CONFIG.format(app_id="probe"))
    return {app: doc["spec"]["nameResolution"] for app, doc in out.items()}


def test_every_sidecar_resolves_the_same_way() -> None:
    configs = name_resolutions()
    first = configs["backend"]
    assert first["component"] == "sqlite"
    for app, config in configs.items():
        assert config == first, app


def test_a_renewal_may_be_late_by_ten_seconds_before_an_entry_expires() -> None:
    config = name_resolutions()["backend"]["configuration"]
    update, timeout = seconds(config["updateInterval"]), seconds(config["timeout"])
    renew_every = update - timeout
    assert renew_every >= 5  # a dozen sidecars write at most every few seconds each
    slack = timeout - 1
    assert slack >= 10, f"a renewal late by {slack + 1}s already loses the entry"
    # a second renewal starts before the first one's retries run out
    assert 2 * renew_every < update


def test_the_garbage_collector_is_off() -> None:
    """Its delete (`now - last_update < interval`) removes the live entries, and each sidecar
    then exits with "Host registration lost"; expired entries are ignored by lookups anyway."""
    assert seconds(name_resolutions()["backend"]["configuration"]["cleanupInterval"]) == 0


def test_each_run_directory_has_its_own_database_on_tmpfs(tmp_path: Path) -> None:
    tokens = Tokens.generate()
    one = Stack(tmp_path / "one", Ports(), tokens).nameres_db
    other = Stack(tmp_path / "other", Ports(), tokens).nameres_db
    assert one != other
    assert one.parent.parent == Path("/dev/shm")
