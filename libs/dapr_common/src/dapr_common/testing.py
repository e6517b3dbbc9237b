"""A fake sidecar for unit tests: a real HTTP server on loopback that answers as scripted
and records every request, so tests exercise the client's real transport."""

import asyncio
import fnmatch
import json as jsonlib
import socket
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy


@dataclass(frozen=True)
class Recorded:
    """One request the fake sidecar received."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class Route:
    """Answers for one (method, path): the same answer every time, or a sequence."""

    def __init__(self, method: str, path: str) -> None:
        self.method = method
        self.path = path
        self.calls: list[Recorded] = []
        self._answers: list[Answer] = []

    def respond(
        self,
        status: int = 200,
        *,
        json: Any = None,
        text: str | None = None,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
    ) -> Self:
        """Add an answer; the last one added keeps answering once the others are used up."""
        hdrs = dict(headers or {})
        body = b""
        if json is not None:
            body = jsonlib.dumps(json).encode()
            hdrs.setdefault("content-type", "application/json")
        elif text is not None:
            body = text.encode()
            hdrs.setdefault("content-type", "text/plain")
        self._answers.append(Answer(status, body, hdrs, delay))
        return self

    def clear(self) -> Self:
        """Forget the scripted answers (to script new ones)."""
        self._answers.clear()
        return self

    def next_answer(self) -> Answer:
        return self._answers.pop(0) if len(self._answers) > 1 else self._answers[0]

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def call_count(self) -> int:
        return len(self.calls)

    @property
    def last(self) -> Recorded:
        return self.calls[-1]


class FakeSidecar:
    """`with FakeSidecar() as sidecar: sidecar.get("/v1.0/metadata").respond(200, json={})`.

    Runs on its own thread and event loop, so sync and async tests can use it alike. On exit
    it fails if a scripted route was never called or a request matched no route.
    """

    def __init__(self, *, assert_all_called: bool = True) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.unmatched: list[Recorded] = []
        self.assert_all_called = assert_all_called
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port: int = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    def route(self, method: str, path: str) -> Route:
        """The route for `method` and `path`; a `*` in the path matches any characters."""
        key = (method.upper(), path)
        if key not in self.routes:
            self.routes[key] = Route(*key)
        return self.routes[key]

    def get(self, path: str) -> Route:
        return self.route("GET", path)

    def post(self, path: str) -> Route:
        return self.route("POST", path)

    def put(self, path: str) -> Route:
        return self.route("PUT", path)

    def delete(self, path: str) -> Route:
        return self.route("DELETE", path)

    async def _handle(self, request: web.Request) -> web.Response:
        recorded = Recorded(
            request.method,
            request.raw_path.split("?", 1)[0],
            dict(request.query),
            CIMultiDictProxy(CIMultiDict(request.headers)),
            await request.read(),
        )
        route = self.routes.get((request.method, recorded.path)) or next(
            (
                r
                for (method, path), r in self.routes.items()
                if method == request.method
                and "*" in path
                and fnmatch.fnmatchcase(recorded.path, path)
            ),
            None,
        )
        if route is None or not route._answers:
            self.unmatched.append(recorded)
            return web.Response(status=599, text="no fake route")
        route.calls.append(recorded)
        answer = route.next_answer()
        if answer.delay:
            await asyncio.sleep(answer.delay)
        return web.Response(status=answer.status, body=answer.body, headers=answer.headers)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A scripted delay still running at exit is cut short (1 s), not waited for.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    def __enter__(self) -> Self:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if exc_type is None:
            assert not self.unmatched, f"requests matched no fake route: {self.unmatched}"
            if self.assert_all_called:
                never = [f"{r.method} {r.path}" for r in self.routes.values() if not r.called]
                assert not never, f"scripted routes never called: {never}"
