"""Start, watch and stop one OS process of the stack; each runs in its own process group."""

import contextlib
import json
import os
import pwd
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from devstack.probes import Probe


class StartError(RuntimeError):
    """A process exited or never became ready."""

    def __init__(self, name: str, reason: str, log: Path):
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason
        self.log = log


RUN_DIR_TAG = "DEVSTACK_RUN_DIR"


@dataclass
class ProcessSpec:
    """How to run one process and how to know it is ready."""

    name: str
    argv: list[str] | Callable[[], list[str]]
    probe: Probe
    env: Mapping[str, str] | Callable[[], Mapping[str, str]] = field(default_factory=dict)
    cwd: Path | None = None
    user: str | None = None  # run as this user (PostgreSQL refuses to run as root)
    prepare: Callable[[], None] | None = None  # idempotent one-time setup (initdb, format)
    after_ready: Callable[[], None] | None = None  # e.g. create databases
    timeout: float = 90.0
    watch: tuple[Path, ...] = ()  # sources whose change calls for a restart (Tilt's deps)


@dataclass
class Running:
    """What the run directory remembers of a started process."""

    name: str
    pid: int
    started: str  # /proc/<pid>/stat start time: tells our process from a reused pid
    log: str

    def alive(self) -> bool:
        return _start_time(self.pid) == self.started


def _start_time(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    if fields[0] == "Z":  # zombie: exited, not yet reaped
        return None
    return fields[19]


class ProcessTable:
    """The pid files of one run directory."""

    def __init__(self, run_dir: Path):
        self.run_dir = run_dir
        self.dir = run_dir / "pids"
        self.logs = run_dir / "logs"

    def save(self, running: Running) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / f"{running.name}.json").write_text(json.dumps(running.__dict__))

    def load(self, name: str) -> Running | None:
        path = self.dir / f"{name}.json"
        if not path.exists():
            return None
        return Running(**json.loads(path.read_text()))

    def forget(self, name: str) -> None:
        (self.dir / f"{name}.json").unlink(missing_ok=True)

    def stop(self, name: str) -> bool:
        """Stop the recorded process `name` if it runs, and forget it; True if it ran."""
        running = self.load(name)
        if running is None:
            return False
        alive = running.alive()
        if alive:
            stop(running)
        self.forget(name)
        return alive

    def names(self) -> list[str]:
        if not self.dir.exists():
            return []
        return sorted(p.stem for p in self.dir.glob("*.json"))


def start(spec: ProcessSpec, table: ProcessTable) -> Running:
    """Start `spec` detached from this process; does not wait for readiness."""
    if spec.prepare is not None:
        spec.prepare()
    table.logs.mkdir(parents=True, exist_ok=True)
    log_path = table.logs / f"{spec.name}.log"
    argv = spec.argv() if callable(spec.argv) else spec.argv
    with log_path.open("ab") as log:
        log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} start: {' '.join(argv)}\n".encode())
        log.flush()
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=spec.cwd,
            env=environment(spec, table),
            start_new_session=True,
            user=spec.user if spec.user and os.geteuid() == 0 else None,
            group=spec.user if spec.user and os.geteuid() == 0 else None,
            extra_groups=[] if spec.user and os.geteuid() == 0 else None,
        )
    started = _start_time(proc.pid) or ""
    running = Running(spec.name, proc.pid, started, str(log_path))
    table.save(running)
    return running


def environment(spec: ProcessSpec, table: ProcessTable) -> dict[str, str]:
    """The whole environment of `spec`'s process: a few of ours, its own, and the run dir tag."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")}
    own = spec.env() if callable(spec.env) else spec.env
    # The tag lets `down` find every process of this run directory, orphans included.
    return {**base, **own, RUN_DIR_TAG: str(table.run_dir)}


def exec_in_place(spec: ProcessSpec, table: ProcessTable) -> None:
    """Become `spec`'s process (its prepare step, env, cwd, user, argv) and never return.

    For a supervisor such as Tilt: the pid stays the one it started, so its signals reach the
    server itself; the pid file lets `status` and `down` see it like any process of `up`."""
    existing = table.load(spec.name)
    if existing is not None and existing.alive() and existing.pid != os.getpid():
        raise StartError(
            spec.name, f"already running (pid {existing.pid}); stop it first", Path(existing.log)
        )
    if spec.prepare is not None:
        spec.prepare()
    argv = spec.argv() if callable(spec.argv) else spec.argv
    env = environment(spec, table)
    table.save(
        Running(spec.name, os.getpid(), _start_time(os.getpid()) or "", "(the supervisor's log)")
    )
    if spec.cwd is not None:
        os.chdir(spec.cwd)
    if spec.user and os.geteuid() == 0:
        entry = pwd.getpwnam(spec.user)
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
    os.execvpe(argv[0], argv, env)


def wait_ready(spec: ProcessSpec, running: Running) -> float:
    """Poll the probe until it passes; returns seconds waited. Raises StartError."""
    t0 = time.monotonic()
    deadline = t0 + spec.timeout
    while time.monotonic() < deadline:
        if not running.alive():
            raise StartError(spec.name, "exited before becoming ready", Path(running.log))
        if spec.probe():
            if spec.after_ready is not None:
                spec.after_ready()
            return time.monotonic() - t0
        time.sleep(0.2)
    raise StartError(spec.name, f"not ready after {spec.timeout:.0f}s", Path(running.log))


def stop(running: Running, grace: float = 15.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace` seconds."""
    if not running.alive():
        return
    _signal_group(running.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not running.alive() and not _group_alive(running.pid):
            reap(running.pid)
            return
        time.sleep(0.1)
    _signal_group(running.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (running.alive() or _group_alive(running.pid)):
        time.sleep(0.1)
    reap(running.pid)


def reap(pid: int) -> None:
    """Collect the exit status of a process this one started, so no zombie keeps its pid
    taken (PostgreSQL, say, refuses to start while its old pid still answers)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # killpg succeeds on zombies too; look for a live member.
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def tagged_with(run_dir: Path) -> list[int]:
    """Pids of live processes started for `run_dir` (found by their environment tag)."""
    needle = f"{RUN_DIR_TAG}={run_dir}\0".encode()
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes() + b"\0":
                pid = int(environ.parent.name)
                if _start_time(pid) is not None:
                    found.append(pid)
        except (OSError, ValueError):
            continue
    return found


def kill_tagged(run_dir: Path) -> list[int]:
    """SIGKILL whatever is still tagged with `run_dir`; returns the pids it found."""
    pids = tagged_with(run_dir)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids
