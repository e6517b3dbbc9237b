"""The stack a benchmark measures: the one up in `--run-dir`, or one of its own in
`.devstack-bench/`, started on free ports and taken down at the end (also on SIGTERM)."""

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devstack.stack import Stack

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def bench_stack(run_dir: Path | None) -> Iterator[Stack]:
    own = run_dir is None
    run_dir = run_dir or ROOT / ".devstack-bench"
    cli = [sys.executable, "-m", "devstack.cli", "--run-dir", str(run_dir)]
    if own:
        subprocess.run([*cli, "down"], capture_output=True, check=False)
        subprocess.run([*cli, "up", "--free-ports"], check=True)
        # A SIGTERM (a timeout, Ctrl-C in make) still takes the stack down in `finally`.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield Stack.load(run_dir)
    finally:
        if own:
            subprocess.run([*cli, "down"], capture_output=True, check=False)
