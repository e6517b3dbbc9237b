"""One async client per process over one pooled HTTP connection to the sidecar."""

from types import TracebackType
from typing import Any, Self

import httpx

from dapr_common.errors import AccessDenied, DaprError, SidecarUnavailable
from dapr_common.settings import DaprSettings


class DaprClient:
    """The app's handle on its sidecar: create it once (FastAPI lifespan), close it on shutdown."""

    def __init__(self, settings: DaprSettings, *, timeout: float = 10.0) -> None:
        headers = {}
        if settings.dapr_api_token is not None:
            headers["dapr-api-token"] = settings.dapr_api_token.get_secret_value()
        self._http = httpx.AsyncClient(
            base_url=settings.sidecar_url, headers=headers, timeout=timeout
        )

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
        await self._http.aclose()

    async def healthy(self) -> bool:
        """True when the sidecar reports itself healthy (GET /v1.0/healthz → 204)."""
        try:
            response = await self._http.get("/v1.0/healthz")
        except httpx.TransportError:
            return False
        return response.status_code == 204

    async def invoke(
        self, app_id: str, method: str, *, http_verb: str = "POST", json: Any = None
    ) -> Any:
        """Call `method` on `app_id` through the sidecar and return the decoded JSON answer."""
        try:
            response = await self._http.request(
                http_verb, f"/v1.0/invoke/{app_id}/method/{method.lstrip('/')}", json=json
            )
        except httpx.TransportError as exc:
            raise SidecarUnavailable(f"sidecar unreachable: {exc}") from exc
        if response.is_success:
            return response.json() if response.content else None
        raise _error_from(response)


def _error_from(response: httpx.Response) -> DaprError:
    error_code: str | None = None
    message = response.text
    try:
        body = response.json()
        error_code = body.get("errorCode")
        message = body.get("message", message)
    except ValueError:
        pass
    cls = AccessDenied if response.status_code == 403 else DaprError
    return cls(message, status=response.status_code, error_code=error_code)
