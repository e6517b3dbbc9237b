"""Readiness probes: each answers True only when the process really serves its protocol."""

import socket
import sqlite3
import struct
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

Probe = Callable[[], bool]


@dataclass(frozen=True)
class HttpStatus:
    """Ready when GET `url` answers `expected`; its fields let a Tilt plan probe it natively."""

    url: str
    expected: int
    headers: dict[str, str] | None = None

    def __call__(self) -> bool:
        import httpx  # here, not at the top: `devstack probe` of a non-HTTP process stays quick

        try:
            answer = httpx.get(self.url, timeout=2.0, headers=self.headers)
        except httpx.HTTPError:
            return False
        return answer.status_code == self.expected


def http_status(url: str, expected: int, headers: dict[str, str] | None = None) -> Probe:
    return HttpStatus(url, expected, headers)


def all_of(*probes: Probe) -> Probe:
    """Ready when each probe passes, tried in order (a later one only once the earlier pass)."""
    return lambda: all(probe() for probe in probes)


def sqlite_row(database: Path, query: str, params: tuple[str, ...]) -> Probe:
    """Ready when `query` finds a row in the SQLite file `database` (opened read-only; a
    missing or locked file is not ready)."""

    def probe() -> bool:
        try:
            uri = f"{database.as_uri()}?mode=ro"
            with closing(sqlite3.connect(uri, uri=True, timeout=2)) as db:
                return db.execute(query, params).fetchone() is not None
        except sqlite3.Error:
            return False

    return probe


def redis_ping(port: int, password: str) -> Probe:
    """AUTH then PING in RESP; ready when the server answers +PONG."""
    request = _resp("AUTH", password) + _resp("PING")

    def probe() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
                s.sendall(request)
                reply = b""
                while reply.count(b"\r\n") < 2:
                    chunk = s.recv(256)
                    if not chunk:
                        return False
                    reply += chunk
                return reply == b"+OK\r\n+PONG\r\n"
        except OSError:
            return False

    return probe


def smtp_banner(port: int) -> Probe:
    """Ready when the server greets with `220`."""

    def probe() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
                return s.recv(64).startswith(b"220")
        except OSError:
            return False

    return probe


def _resp(*parts: str) -> bytes:
    out = [f"*{len(parts)}\r\n".encode()]
    for part in parts:
        data = part.encode()
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def kafka_api_versions(port: int) -> Probe:
    """Send an ApiVersions v0 request; ready when the broker answers it with error code 0."""
    client_id = b"devstack"
    header = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    request = struct.pack(">i", len(header)) + header

    def probe() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2.0) as s:
                s.sendall(request)
                head = _recv_exact(s, 4)
                (size,) = struct.unpack(">i", head)
                body = _recv_exact(s, size)
                correlation_id, error_code = struct.unpack(">ih", body[:6])
                return bool(correlation_id == 7 and error_code == 0)
        except (OSError, struct.error):
            return False

    return probe


def _recv_exact(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise OSError("connection closed")
        buf += chunk
    return buf


def postgres_query(psql: Path, port: int, user: str, password: str) -> Probe:
    """Ready when `SELECT 1` runs over TCP as the project's role."""

    def probe() -> bool:
        result = subprocess.run(
            [
                str(psql),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                user,
                "-d",
                "postgres",
                "-tAc",
                "SELECT 1",
            ],
            env={"PGPASSWORD": password, "PGCONNECT_TIMEOUT": "2"},
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode == 0 and result.stdout.strip() == "1"

    return probe
