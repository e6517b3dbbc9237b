"""One process of the stack under a supervisor such as Tilt: `run` becomes it, `probe` checks it.

Kept free of the CLI's heavier imports: Tilt runs `probe` every few seconds for each process.
`devstack run|probe` are the same commands for people.
"""

import argparse
import sys
from pathlib import Path

from devstack import topology
from devstack.processes import StartError, exec_in_place, tail
from devstack.stack import Stack, default_run_dir


def _stack(run_dir: Path) -> Stack:
    if not (run_dir / "stack.json").exists():
        raise LookupError(f"no stack in {run_dir}: `devstack tilt-plan` creates it")
    return Stack.load(run_dir)


def run(run_dir: Path, name: str) -> int:
    """exec the process (its prepare step first); returns only on failure."""
    try:
        stack = _stack(run_dir)
        exec_in_place(topology.spec(stack, name), stack.table)
    except LookupError as exc:
        print(f"devstack run: {exc}", file=sys.stderr)
    except StartError as exc:  # e.g. a failed migration, whose output went to the log
        print(f"devstack run: {exc}\n{tail(exc.log)}", file=sys.stderr)
    return 1


def probe(run_dir: Path, name: str) -> int:
    """0 when the process is ready; its after-ready step (idempotent) runs too, so ready means
    usable (PostgreSQL: the databases exist)."""
    try:
        spec = topology.spec(_stack(run_dir), name)
    except LookupError as exc:
        print(f"devstack probe: {exc}", file=sys.stderr)
        return 2
    if not spec.probe():
        return 1
    if spec.after_ready is not None:
        spec.after_ready()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.supervised", description=__doc__)
    parser.add_argument("--run-dir", type=Path, default=None)
    parser.add_argument("command", choices=("run", "probe"))
    parser.add_argument("name")
    args = parser.parse_args(argv)
    run_dir = (args.run_dir or default_run_dir()).resolve()
    return (run if args.command == "run" else probe)(run_dir, args.name)


if __name__ == "__main__":
    sys.exit(main())
