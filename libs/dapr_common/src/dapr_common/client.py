"""One async client per process over one pooled HTTP connection pool to the sidecar."""

import asyncio
import time
from types import TracebackType
from typing import Any, Self

import httpx

from dapr_common.errors import DaprError, ETagMismatch, NotFound, SidecarUnavailable
from dapr_common.invoke import Invoke
from dapr_common.jobs import Jobs
from dapr_common.pubsub import PubSub
from dapr_common.secrets import Secrets
from dapr_common.settings import DaprSettings
from dapr_common.state import State


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
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings or DaprSettings()
        headers = {}
        if self.settings.dapr_api_token is not None:
            headers["dapr-api-token"] = self.settings.dapr_api_token.get_secret_value()
        self.http = httpx.AsyncClient(
            base_url=self.settings.sidecar_url,
            headers=headers,
            timeout=httpx.Timeout(
                self.settings.dapr_timeout, connect=self.settings.dapr_connect_timeout
            ),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
        )
        self.state = State(self, state_store)
        self.pubsub = PubSub(self, pubsub_name)
        self.invoke = Invoke(self)
        self.jobs = Jobs(self)
        self.secrets = Secrets(self, secret_store)

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
        await self.http.aclose()

    # ---- health and metadata ---------------------------------------------------------------
    async def healthy(self, *, outbound: bool = False) -> bool:
        """True when the sidecar answers its health check with 204.

        `outbound` asks only whether the sidecar can serve the app's calls (components
        loaded), not whether the app itself is reachable: what an app waits on at start.
        """
        path = "/v1.0/healthz/outbound" if outbound else "/v1.0/healthz"
        try:
            response = await self.http.get(path)
        except httpx.TransportError:
            return False
        return response.status_code == 204

    async def wait_until_ready(self, timeout: float = 60.0, interval: float = 0.2) -> None:
        """Block (asynchronously) until the sidecar's outbound health is 204."""
        deadline = time.monotonic() + timeout
        while not await self.healthy(outbound=True):
            if time.monotonic() > deadline:
                raise SidecarUnavailable(
                    f"sidecar at {self.settings.sidecar_url} not ready after {timeout:.0f}s"
                )
            await asyncio.sleep(interval)

    async def metadata(self) -> dict[str, Any]:
        """The sidecar's metadata: app-id, runtime version, components, subscriptions."""
        response = await self.request("GET", "/v1.0/metadata")
        result: dict[str, Any] = response.json()
        return result

    # ---- the one way every building block talks to the sidecar -----------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; return 2xx responses, raise a typed DaprError for the rest."""
        try:
            response = await self.http.request(
                method, path, json=json, content=content, params=params, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise SidecarUnavailable(f"{method} {path}: sidecar timed out ({exc!r})") from exc
        except httpx.TransportError as exc:
            raise SidecarUnavailable(f"{method} {path}: sidecar unreachable ({exc!r})") from exc
        if response.is_success:
            return response
        raise error_from(response)


def error_body(response: httpx.Response) -> tuple[str | None, str, Any]:
    """(errorCode, message, decoded body) of an error answer, whatever its shape."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text or response.reason_phrase, response.text
    if isinstance(body, dict):
        return body.get("errorCode"), str(body.get("message", body)), body
    return None, str(body), body


def error_from(response: httpx.Response) -> DaprError:
    """Map a sidecar error answer to the typed error callers handle."""
    code, message, body = error_body(response)
    status = response.status_code
    cls: type[DaprError] = DaprError
    if status == 409 or (code or "").endswith("ETAG_MISMATCH"):
        cls = ETagMismatch
    elif status == 404:
        cls = NotFound
    return cls(message, status=status, error_code=code, body=body)
