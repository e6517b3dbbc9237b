"""Name resolution holds on a busy machine: a minute of invocations through backend's sidecar
while other processes fsync to the stack's disk and keep every core busy, and every call
resolves its callee (no "no host found" for a healthy, registered app-id)."""

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from devstack.testing import RunningStack

CALLEES = ("notification-service", "ai-service")

# Each load process ends by itself at its deadline, even if the test process dies.
_FSYNC_WRITER = """
import os, sys, time
deadline = time.monotonic() + float(sys.argv[2])
block = os.urandom(1 << 20)
with open(sys.argv[1], "wb") as out:
    while time.monotonic() < deadline:
        for _ in range(8):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
        if out.tell() > 256 << 20:
            out.seek(0)
"""
_CPU_BURNER = """
import sys, time
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    sum(range(10_000))
"""


@contextmanager
def busy_machine(disk: Path, seconds: float) -> Iterator[None]:
    """Two fsync writers on `disk`'s filesystem and two CPU burners per core, for `seconds`."""
    target = disk / "load"
    target.mkdir(parents=True, exist_ok=True)
    procs = [
        subprocess.Popen([sys.executable, "-c", _FSYNC_WRITER, str(target / f"w{i}"), str(seconds)])
        for i in range(2)
    ]
    procs += [
        subprocess.Popen([sys.executable, "-c", _CPU_BURNER, str(seconds)])
        for _ in range(2 * (os.cpu_count() or 2))
    ]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
        for file in target.iterdir():
            file.unlink()
        target.rmdir()


def test_callees_resolve_for_a_minute_on_a_busy_machine(running_stack: RunningStack) -> None:
    outcomes: Counter[str] = Counter()
    examples: dict[str, str] = {}
    with (
        busy_machine(running_stack.stack.run_dir, seconds=70),
        running_stack.sidecar("backend") as dapr,
    ):
        time.sleep(5)  # the load reaches full pressure
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for callee in CALLEES:
                try:
                    answer = dapr.get(f"/v1.0/invoke/{callee}/method/healthz", timeout=20)
                except httpx.TimeoutException:
                    outcomes[f"{callee}: client timeout"] += 1
                    continue
                if answer.status_code == 200:
                    outcomes[f"{callee}: 200"] += 1
                    continue
                kind = "no host found" if "no host found" in answer.text else answer.status_code
                key = f"{callee}: {kind}"
                outcomes[key] += 1
                examples.setdefault(key, answer.text[:300])
            time.sleep(0.05)
    print(dict(outcomes))
    assert all(outcomes[f"{c}: 200"] > 20 for c in CALLEES), dict(outcomes)
    failed = {k: v for k, v in outcomes.items() if not k.endswith(": 200")}
    assert not failed, f"{failed}\n{examples}"
