"""One async client per process over one pooled HTTP connection pool to the sidecar.

The transport is aiohttp: on this project's benchmark (`make bench`) httpx's async pool
served a sidecar at a fraction of aiohttp's rate (see the library README).
"""

import asyncio
import json as jsonlib
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import aiohttp

from dapr_common.bindings import Bindings
from dapr_common.errors import SidecarUnavailable
from dapr_common.invoke import Invoke
from dapr_common.jobs import Jobs
from dapr_common.observability import current_trace
from dapr_common.pubsub import PubSub
from dapr_common.secrets import Secrets
from dapr_common.settings import DaprSettings
from dapr_common.state import State
from dapr_common.transport import SidecarResponse, error_from


class DaprClient:
    """The app's handle on its sidecar: create it once (FastAPI lifespan), close it on shutdown.

    Building blocks hang off it: `state`, `pubsub`, `invoke`, `jobs`, `secrets`.
    """

    def __init__(
        self,
        settings: DaprSettings | None = None,
        *,
        state_store: str = "statestore",
        pubsub_name: str = "pubsub",
        secret_store: str = "secretstore",
        max_connections: int = 100,
    ) -> None:
        self.settings = settings or DaprSettings()
        self.base_url = self.settings.sidecar_url
        self._headers: dict[str, str] = {}
        if self.settings.dapr_api_token is not None:
            self._headers["dapr-api-token"] = self.settings.dapr_api_token.get_secret_value()
        self._timeout = aiohttp.ClientTimeout(
            total=self.settings.dapr_timeout, connect=self.settings.dapr_connect_timeout
        )
        self._max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None
        self.state = State(self, state_store)
        self.pubsub = PubSub(self, pubsub_name)
        self.invoke = Invoke(self)
        self.jobs = Jobs(self)
        self.secrets = Secrets(self, secret_store)
        self.bindings = Bindings(self)

    def _http(self) -> aiohttp.ClientSession:
        # Created on first use, inside the running event loop, and reused for every call.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                base_url=self.base_url,
                headers=self._headers,
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                json_serialize=lambda o: jsonlib.dumps(o, separators=(",", ":")),
                raise_for_status=False,
            )
        return self._session

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- health and metadata ---------------------------------------------------------------
    async def healthy(self, *, outbound: bool = False) -> bool:
        """True when the sidecar answers its health check with 204.

        `outbound` asks only whether the sidecar can serve the app's calls (components
        loaded), not whether the app itself is reachable: what an app waits on at start.
        """
        path = "/v1.0/healthz/outbound" if outbound else "/v1.0/healthz"
        try:
            response = await self.request("GET", path, check=False)
        except SidecarUnavailable:
            return False
        return response.status == 204

    async def wait_until_ready(self, timeout: float = 60.0, interval: float = 0.2) -> None:
        """Wait (asynchronously) until the sidecar's outbound health is 204."""
        deadline = time.monotonic() + timeout
        while not await self.healthy(outbound=True):
            if time.monotonic() > deadline:
                raise SidecarUnavailable(
                    f"sidecar at {self.base_url} not ready after {timeout:.0f}s"
                )
            await asyncio.sleep(interval)

    async def metadata(self) -> dict[str, Any]:
        """The sidecar's metadata: app-id, runtime version, components, subscriptions."""
        result: dict[str, Any] = (await self.request("GET", "/v1.0/metadata")).json()
        return result

    # ---- the one way every building block talks to the sidecar -----------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> SidecarResponse:
        """Send one request. With `check`, a non-2xx answer raises a typed DaprError;
        without, it is returned as is. No sidecar (or no answer in time): SidecarUnavailable."""
        data = content
        hdrs = dict(headers or {})
        trace = current_trace()
        if trace is not None and "traceparent" not in hdrs:
            # Continue the caller's trace through the sidecar (Dapr records its spans under it).
            hdrs["traceparent"] = f"00-{trace[0]}-{trace[1]}-01"
        if json is not None and content is None:
            data = jsonlib.dumps(json, separators=(",", ":")).encode()
            hdrs.setdefault("content-type", "application/json")
        call_timeout = (
            aiohttp.ClientTimeout(total=timeout) if timeout is not None else self._timeout
        )
        try:
            async with self._http().request(
                method,
                path,
                data=data,
                params=params or None,
                headers=hdrs or None,
                timeout=call_timeout,
            ) as answer:
                response = SidecarResponse(answer.status, answer.headers, await answer.read())
        except TimeoutError as exc:
            raise SidecarUnavailable(f"{method} {path}: sidecar timed out") from exc
        except aiohttp.ClientError as exc:
            raise SidecarUnavailable(f"{method} {path}: sidecar unreachable ({exc})") from exc
        if check and not response.is_success:
            raise error_from(response)
        return response
