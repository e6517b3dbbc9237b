"""Each service's Dockerfile installs that service, runs it as the launcher does, and passes
hadolint."""

import json
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from deploycheck.facts import App, apps, hadolint_bin, root


@dataclass
class Instruction:
    keyword: str
    args: str

    def exec_form(self) -> list[str]:
        """The JSON (exec) form's argument list; [] for the shell form."""
        text = self.args
        if self.keyword == "HEALTHCHECK":
            text = text.split("CMD", 1)[1] if "CMD" in text else ""
        try:
            value = json.loads(text.strip())
        except json.JSONDecodeError:
            return []
        return [str(v) for v in value] if isinstance(value, list) else []


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> Instruction | None:
        found = self.all(keyword)
        return found[-1] if found else None


def parse(text: str) -> list[Stage]:
    """Stages of a Dockerfile: continuation lines joined, comments and parser directives dropped."""
    logical: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending)
    stages: list[Stage] = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            words = args.split()
            words = [w for w in words if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append(Instruction(keyword, args.strip()))
    return stages


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore's patterns (last match wins, `!` re-includes) keep `path` out."""
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        if _matches(body.strip("/"), path):
            excluded = not negate
    return excluded


def _matches(pattern: str, path: str) -> bool:
    regex = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            regex += ".*"
            i += 2
        elif pattern[i] == "*":
            regex += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            regex += "[^/]"
            i += 1
        else:
            regex += re.escape(pattern[i])
            i += 1
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    return any(re.fullmatch(regex, p) for p in prefixes)


def read_dockerignore() -> list[str]:
    lines = (root() / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def check_service(app: App, text: str | None = None) -> list[str]:
    """What is wrong with `app`'s Dockerfile (text defaults to the file's)."""
    where = app.dockerfile.relative_to(root())
    if text is None:
        if not app.dockerfile.exists():
            return [f"{where}: missing"]
        text = app.dockerfile.read_text()
    stages = parse(text)
    if len(stages) < 2:
        return [f"{where}: not multi-stage (build tools must stay out of the runtime image)"]
    errors: list[str] = []
    final = stages[-1]

    def err(message: str) -> None:
        errors.append(f"{where}: {message}")

    installs = [
        shlex.split(i.args.split("uv sync", 1)[1])
        for s in stages
        for i in s.all("RUN")
        if "uv sync" in i.args
    ]
    if not installs:
        err("no `uv sync` installs the service from the workspace lockfile")
    for argv in installs:
        package = argv[argv.index("--package") + 1] if "--package" in argv else None
        if package != app.distribution:
            err(f"`uv sync` installs --package {package}, the service is {app.distribution}")
        for flag in ("--frozen", "--no-dev"):
            if flag not in argv:
                err(f"`uv sync` lacks {flag}")
    copied = {
        src
        for s in stages
        for i in s.all("COPY")
        if "--from" not in i.args
        for src in i.args.split()[:-1]
        if not src.startswith("--")
    }
    service_dir = app.directory.relative_to(root()).as_posix()
    if service_dir not in copied:
        err(f"does not copy {service_dir}")
    others = sorted(c for c in copied if c.startswith("services/") and c != service_dir)
    if others:
        err(f"copies other services: {', '.join(others)}")
    ignore = read_dockerignore()
    for src in sorted(copied):
        probe = src if (root() / src).is_file() else f"{src}/pyproject.toml"
        if dockerignore_excludes(probe, ignore):
            err(f"copies {src}, which .dockerignore keeps out of the context")
    module_file = app.directory / "src" / Path(*app.module.split(".")).with_suffix(".py")
    attribute = app.asgi.split(":")[1]
    if not module_file.exists() or not re.search(
        rf"^{re.escape(attribute)}\s*=", module_file.read_text(), flags=re.M
    ):
        err(f"the launcher's app {app.asgi} is not defined in {module_file.relative_to(root())}")

    user = final.last("USER")
    name = user.args.split(":")[0] if user else "root"
    if name in ("root", "0"):
        err("the runtime stage runs as root (no USER, or USER root/0)")
    elif not name.isdigit():
        err(f"USER {name}: use a numeric uid so runAsNonRoot can verify it")
    exposed = [int(p.split("/")[0]) for i in final.all("EXPOSE") for p in i.args.split()]
    if exposed != [app.port]:
        err(f"EXPOSE {exposed}, the app's port is {app.port} (devstack.ports)")
    health = final.last("HEALTHCHECK")
    if health is None or "NONE" in health.args.split():
        err("no HEALTHCHECK")
    elif f"127.0.0.1:{app.port}/healthz" not in health.args:
        err(f"HEALTHCHECK does not probe http://127.0.0.1:{app.port}/healthz")
    cmd = final.last("CMD")
    argv = cmd.exec_form() if cmd else []
    if argv[:1] != ["uvicorn"]:
        err("CMD is not uvicorn in exec form")
    else:
        if app.asgi not in argv:
            err(f"CMD serves {argv[1:2]}, the launcher serves {app.asgi}")
        port = argv[argv.index("--port") + 1] if "--port" in argv else None
        if port != str(app.port):
            err(f"CMD listens on {port}, the app's port is {app.port}")
    return errors


def exposed_port(app: App) -> int | None:
    stages = parse(app.dockerfile.read_text())
    ports = [int(p.split("/")[0]) for i in stages[-1].all("EXPOSE") for p in i.args.split()]
    return ports[0] if ports else None


def hadolint(paths: list[Path]) -> list[str]:
    result = subprocess.run(
        [str(hadolint_bin()), "--no-color", *map(str, paths)],
        capture_output=True,
        text=True,
        cwd=root(),
        check=False,
    )
    return [line for line in result.stdout.splitlines() if line.strip()] or (
        [f"hadolint exited {result.returncode}: {result.stderr.strip()}"]
        if result.returncode
        else []
    )


def dockerfiles() -> list[Path]:
    """Every Dockerfile of the repository: the services' and the compose sidecar's."""
    return [a.dockerfile for a in apps().values()] + [
        root() / "tools" / "compose" / "daprd.Dockerfile"
    ]


def check_all() -> list[str]:
    errors = [e for app in apps().values() for e in check_service(app)]
    ignore = read_dockerignore()
    for secret in (
        "components/secrets/dev.json",
        ".venv/bin/python",
        ".git/HEAD",
        "k8s/overlays/dev/secrets/postgres-password",
    ):
        if not dockerignore_excludes(secret, ignore):
            errors.append(f".dockerignore lets {secret} into the build context")
    return errors + hadolint(dockerfiles())
