"""`devstack up|down|status|logs|endpoints|dead-letters`: the Makefile's verbs for the local
topology; `tilt-plan|run|probe`: the same topology, one process at a time, run by Tilt
(Tiltfile)."""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

from devstack import lifecycle, supervised
from devstack.ports import MAX_REPLICAS, Ports, replica_count
from devstack.processes import StartError, tail
from devstack.stack import Stack, default_run_dir
from devstack.tiltplan import plan, stack_for_tilt
from devstack.versions import DAPR_BINARIES, dapr_bin, kafka_libs

console = Console(highlight=False)


def _missing_runtime() -> list[str]:
    missing = [str(dapr_bin(b)) for b in DAPR_BINARIES if not dapr_bin(b).exists()]
    if not kafka_libs().is_dir():
        missing.append(str(kafka_libs()))
    return missing


def cmd_up(args: argparse.Namespace) -> int:
    try:
        replicas = replica_count(args.replicas)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        return 2
    missing = _missing_runtime()
    if missing:
        console.print(f"[red]runtime not built: {', '.join(missing)}; run `make bootstrap`[/]")
        return 2
    run_dir: Path = args.run_dir
    if (run_dir / "stack.json").exists():
        previous = Stack.load(run_dir)
        if any(alive for _, _, alive in _alive_rows(previous)):
            console.print(f"[yellow]a stack is already running in {run_dir}; `make down` first[/]")
            return 1
    ports = (
        Ports.free(replicas).with_env_overrides() if args.free_ports else Ports.from_env(replicas)
    )
    stack = Stack.create(run_dir, ports, reload=args.reload)
    each = f", {replicas} replicas of each app" if replicas > 1 else ""
    console.print(f"[bold]starting the stack[/] in {stack.run_dir}{each}")
    try:
        lifecycle.up(stack, report=console.print)
    except StartError as exc:
        console.print(f"[red]{exc}[/]\n[dim]last lines of {exc.log}:[/]\n{tail(exc.log)}")
        return 1
    if args.foreground:
        return _run_in_foreground(stack)
    return 0


def _alive_rows(stack: Stack) -> list[tuple[str, str, bool]]:
    rows = []
    for name in stack.table.names():
        running = stack.table.load(name)
        rows.append((name, str(running.pid) if running else "-", bool(running and running.alive())))
    return rows


def _run_in_foreground(stack: Stack) -> int:
    """Keep the stack up until Ctrl-C (or SIGTERM); report any process that dies."""
    console.print("[bold green]stack is up[/]; Ctrl-C stops it")
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    reported: set[str] = set()
    while not stopping:
        for name, _, alive in _alive_rows(stack):
            if not alive and name not in reported:
                reported.add(name)
                console.print(
                    f"[red]{name} exited[/]; last lines:\n"
                    f"{tail(stack.table.logs / f'{name}.log', 15)}"
                )
        time.sleep(1)
    console.print("stopping…")
    lifecycle.down(stack, report=console.print)
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir
    if not (run_dir / "stack.json").exists():
        console.print(f"nothing to stop in {run_dir}")
        return 0
    lifecycle.down(Stack.load(run_dir), report=console.print)
    console.print("stack stopped")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir
    if not (run_dir / "stack.json").exists():
        console.print(f"no stack in {run_dir}")
        return 1
    stack = Stack.load(run_dir)
    table = Table("process", "pid", "health")
    all_ok = True
    for name, pid, healthy in lifecycle.status(stack):
        all_ok &= healthy
        table.add_row(name, pid, "[green]healthy[/]" if healthy else "[red]down[/]")
    console.print(table)
    return 0 if all_ok else 1


def cmd_logs(args: argparse.Namespace) -> int:
    logs = args.run_dir / "logs"
    files = (
        sorted(logs.glob("*.log")) if not args.names else [logs / f"{n}.log" for n in args.names]
    )
    files = [f for f in files if f.exists()]
    if not files:
        console.print(f"no logs in {logs}")
        return 1
    cmd = (
        ["tail", "-n", str(args.lines)] + (["-F"] if args.follow else []) + [str(f) for f in files]
    )
    try:
        return subprocess.call(cmd)
    except KeyboardInterrupt:
        return 0


def cmd_endpoints(args: argparse.Namespace) -> int:
    path = args.run_dir / "endpoints.json"
    if not path.exists():
        console.print(f"no endpoints in {args.run_dir}: is the stack up?")
        return 1
    print(json.dumps(json.loads(path.read_text()), indent=2))
    return 0


def cmd_dead_letters(args: argparse.Namespace) -> int:
    """notification-service's dead letters, asked as an operator: straight to the app with its
    app token (no app-id may invoke these routes through Dapr)."""
    path = args.run_dir / "endpoints.json"
    if not path.exists():
        console.print(f"no endpoints in {args.run_dir}: is the stack up?")
        return 1
    app = json.loads(path.read_text())["apps"]["notification-service"]
    params = {"pending": "false" if args.all else "true", "limit": str(args.limit)}
    if args.topic:
        params["topic"] = args.topic
    try:
        answer = httpx.get(
            f"{app['app_url']}/dead-letters",
            params=params,
            headers={"dapr-api-token": app["app_api_token"]},
            timeout=10,
        )
    except httpx.HTTPError as exc:
        console.print(f"[red]notification-service unreachable: {exc}[/]")
        return 1
    if answer.status_code != 200:
        console.print(f"[red]notification-service answered {answer.status_code}: {answer.text}[/]")
        return 1
    print(json.dumps(answer.json(), indent=2))
    return 0


def cmd_tilt_plan(args: argparse.Namespace) -> int:
    missing = _missing_runtime()
    if missing:
        console.print(f"[red]runtime not built: {', '.join(missing)}; run `make bootstrap`[/]")
        return 2
    stack = stack_for_tilt(args.run_dir, free_ports=args.free_ports)
    print(json.dumps(plan(stack), indent=2))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    return supervised.run(args.run_dir, args.name)


def cmd_probe(args: argparse.Namespace) -> int:
    return supervised.probe(args.run_dir, args.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devstack", description=__doc__)
    parser.add_argument(
        "--run-dir",
        type=Path,
        default=None,
        help="run directory (default: $DEVSTACK_RUN_DIR or .devstack/)",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", help="start the stack and return once everything is healthy")
    up.add_argument("--foreground", action="store_true", help="stay attached; Ctrl-C stops")
    up.add_argument("--reload", action="store_true", help="restart an app when its code changes")
    up.add_argument(
        "--free-ports",
        action="store_true",
        help="pick free ports instead of the defaults (a second stack beside one)",
    )
    up.add_argument(
        "--replicas",
        default=os.environ.get("DEVSTACK_REPLICAS"),
        help=f"replicas of each app, 1-{MAX_REPLICAS}, each its own uvicorn and daprd under the "
        "app's app-id (default: $DEVSTACK_REPLICAS or 1)",
    )
    up.set_defaults(func=cmd_up)
    sub.add_parser("down", help="stop every process of the stack").set_defaults(func=cmd_down)
    sub.add_parser("status", help="each process and its health").set_defaults(func=cmd_status)
    logs = sub.add_parser("logs", help="tail the logs (all, or the named processes)")
    logs.add_argument("names", nargs="*")
    logs.add_argument("-n", "--lines", type=int, default=40)
    logs.add_argument("-f", "--follow", action="store_true")
    logs.set_defaults(func=cmd_logs)
    sub.add_parser("endpoints", help="print endpoints.json").set_defaults(func=cmd_endpoints)
    dead = sub.add_parser("dead-letters", help="notification-service's pending dead letters")
    dead.add_argument("--topic", help="only those of this original topic (task.completed, ...)")
    dead.add_argument("--all", action="store_true", help="replayed ones too")
    dead.add_argument("--limit", type=int, default=100, help="at most this many (1-100)")
    dead.set_defaults(func=cmd_dead_letters)
    tilt_plan = sub.add_parser(
        "tilt-plan", help="print the topology as Tilt resources (JSON); saves the stack's state"
    )
    tilt_plan.add_argument("--free-ports", action="store_true", help="a new stack on free ports")
    tilt_plan.set_defaults(func=cmd_tilt_plan)
    run = sub.add_parser("run", help="become one process of the stack, exactly as `up` runs it")
    run.add_argument("name")
    run.set_defaults(func=cmd_run)
    probe = sub.add_parser("probe", help="exit 0 when one process of the stack is ready")
    probe.add_argument("name")
    probe.set_defaults(func=cmd_probe)
    args = parser.parse_args(argv)
    args.run_dir = (args.run_dir or default_run_dir()).resolve()
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
