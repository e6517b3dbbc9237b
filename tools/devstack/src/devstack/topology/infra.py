"""What the apps stand on: PostgreSQL, Redis, an SMTP sink and Kafka, one process each."""

import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from devstack import probes
from devstack.processes import ProcessSpec
from devstack.stack import DATABASES, PG_USER, Stack
from devstack.versions import kafka_libs


def postgres_bindir() -> Path:
    """The newest PostgreSQL server installed from Debian's packages."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    if not candidates:
        raise RuntimeError("PostgreSQL server not found: run `make bootstrap`")
    return candidates[-1].parent


def postgres_home(run_dir: Path) -> Path:
    """Where PostgreSQL's files live: `<run dir>/postgres`. PostgreSQL runs as its own user
    when we are root, so every directory above its data must be traversable by others; where
    one is not (a private checkout), the data lives under /tmp and `<run dir>/postgres` links
    to it (`_make_postgres_home`, at start)."""
    home = run_dir / "postgres"
    if os.geteuid() != 0 or home.exists() or _traversable_by_others(run_dir.parent):
        return home.resolve()
    digest = hashlib.sha256(str(run_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"devstack-postgres-{digest}"


def _make_postgres_home(run_dir: Path, where: Path) -> None:
    home = run_dir / "postgres"
    if os.geteuid() != 0 or home.exists():
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    if where == home:
        run_dir.chmod(run_dir.stat().st_mode | 0o011)
        home.mkdir()
        return
    shutil.rmtree(where, ignore_errors=True)  # left by an earlier run dir of this path
    where.mkdir(mode=0o755)
    home.symlink_to(where)


def _traversable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents] if p.exists())


def postgres(stack: Stack) -> ProcessSpec:
    bindir = postgres_bindir()
    data = postgres_home(stack.run_dir) / "data"
    password = stack.secrets["postgres-password"]
    user = "postgres" if os.geteuid() == 0 else None

    def prepare() -> None:
        _make_postgres_home(stack.run_dir, data.parent)
        if (data / "PG_VERSION").exists():
            return
        data.mkdir(parents=True, exist_ok=True)
        pwfile = data.parent / "pwfile"
        pwfile.write_text(password + "\n")
        if user:
            shutil.chown(data.parent, user, user)
            shutil.chown(data, user, user)
            shutil.chown(pwfile, user, user)
        data.chmod(0o700)
        subprocess.run(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                PG_USER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            user=user,
            group=user,
            extra_groups=[] if user else None,
        )
        pwfile.unlink()

    def create_databases() -> None:
        env = {"PGPASSWORD": password}
        base = [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(stack.ports.postgres),
            "-U",
            PG_USER,
            "-d",
            "postgres",
            "-tAc",
        ]
        existing = subprocess.run(
            [*base, "SELECT datname FROM pg_database"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        for db in DATABASES:
            if db not in existing:
                subprocess.run(
                    [*base, f'CREATE DATABASE "{db}"'], env=env, check=True, capture_output=True
                )

    return ProcessSpec(
        name="postgres",
        argv=[
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(stack.ports.postgres),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            "unix_socket_directories=",
        ],
        probe=probes.postgres_query(Path("psql"), stack.ports.postgres, PG_USER, password),
        user=user,
        prepare=prepare,
        after_ready=create_databases,
    )


def redis(stack: Stack) -> ProcessSpec:
    data = stack.run_dir / "redis"
    password = stack.secrets["redis-password"]
    conf = data / "redis.conf"

    def prepare() -> None:
        data.mkdir(parents=True, exist_ok=True)
        # The password goes in a file, not argv, so `ps` does not show it.
        conf.write_text(
            f"port {stack.ports.redis}\nbind 127.0.0.1\nprotected-mode yes\n"
            f'requirepass {password}\ndir {data}\nappendonly yes\nsave ""\n'
            "daemonize no\n"
        )
        conf.chmod(0o600)

    return ProcessSpec(
        name="redis",
        argv=[shutil.which("redis-server") or "redis-server", str(conf)],
        probe=probes.redis_ping(stack.ports.redis, password),
        prepare=prepare,
    )


def smtp(stack: Stack) -> ProcessSpec:
    """An SMTP sink (aiosmtpd) standing in for the mail relay: it accepts every mail and
    files it in the stack's maildir, where developers and tests read what the app sent."""

    def prepare() -> None:
        stack.maildir.parent.mkdir(parents=True, exist_ok=True)

    return ProcessSpec(
        name="smtp",
        argv=[
            sys.executable,
            "-m",
            "aiosmtpd",
            "--nosetuid",
            "--listen",
            f"127.0.0.1:{stack.ports.smtp}",
            "--class",
            "aiosmtpd.handlers.Mailbox",
            str(stack.maildir),
        ],
        probe=probes.smtp_banner(stack.ports.smtp),
        prepare=prepare,
    )


def kafka(stack: Stack) -> ProcessSpec:
    home = stack.run_dir / "kafka"
    data = home / "data"
    props = home / "server.properties"
    log4j = home / "log4j2.properties"
    p = stack.ports
    classpath = f"{kafka_libs()}/*"

    def prepare() -> None:
        home.mkdir(parents=True, exist_ok=True)
        props.write_text(_kafka_properties(p.kafka, p.kafka_controller, data))
        log4j.write_text(_KAFKA_LOG4J)
        if (data / "meta.properties").exists():
            return
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        subprocess.run(
            [
                "java",
                "-cp",
                classpath,
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                # One id in 64 starts with "-": as a separate argument it would read as a flag.
                f"--cluster-id={cluster_id}",
                "-c",
                str(props),
            ],
            check=True,
            capture_output=True,
        )

    return ProcessSpec(
        name="kafka",
        argv=[
            "java",
            "-Xms256m",
            "-Xmx512m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={log4j}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(props),
        ],
        probe=probes.kafka_api_versions(p.kafka),
        prepare=prepare,
    )


def _kafka_properties(port: int, controller_port: int, data: Path) -> str:
    return f"""\
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:{controller_port}
listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://127.0.0.1:{port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data}
num.partitions=3
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
"""


_KAFKA_LOG4J = """\
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.apache.name = org.apache.kafka
logger.apache.level = WARN
"""
