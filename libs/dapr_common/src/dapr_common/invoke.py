"""Service invocation: call a method of another app through the sidecar (mTLS, policies)."""

from typing import TYPE_CHECKING, Any

import httpx

from dapr_common.errors import AccessDenied, DaprError, InvocationFailed, SidecarUnavailable

if TYPE_CHECKING:
    from dapr_common.client import DaprClient


class Invoke:
    """`dapr.invoke`: `await dapr.invoke.post("ai-service", "get-recommendations", json=...)`."""

    def __init__(self, client: "DaprClient") -> None:
        self._client = client

    async def call(
        self,
        app_id: str,
        method: str,
        *,
        verb: str = "POST",
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """The callee's 2xx response. Raises AccessDenied (403 by policy), InvocationFailed
        (the callee answered non-2xx), DaprError (the sidecar could not deliver),
        SidecarUnavailable (no sidecar)."""
        path = f"/v1.0/invoke/{app_id}/method/{method.lstrip('/')}"
        http = self._client.http
        try:
            response = await http.request(
                verb.upper(),
                path,
                json=json,
                params=params,
                headers=headers,
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException as exc:
            raise SidecarUnavailable(f"invoke {app_id}/{method}: timed out") from exc
        except httpx.TransportError as exc:
            raise SidecarUnavailable(f"invoke {app_id}/{method}: sidecar unreachable") from exc
        if response.is_success:
            return response
        raise _invocation_error(app_id, method, response)

    async def get(self, app_id: str, method: str, **kwargs: Any) -> Any:
        """GET and decode the JSON answer (None for an empty body)."""
        return _json(await self.call(app_id, method, verb="GET", **kwargs))

    async def post(self, app_id: str, method: str, **kwargs: Any) -> Any:
        """POST and decode the JSON answer (None for an empty body)."""
        return _json(await self.call(app_id, method, verb="POST", **kwargs))


def _json(response: httpx.Response) -> Any:
    return response.json() if response.content else None


def _invocation_error(app_id: str, method: str, response: httpx.Response) -> DaprError:
    from dapr_common.client import error_body

    code, message, body = error_body(response)
    status = response.status_code
    where = f"invoke {app_id}/{method}"
    if status == 403 and code == "ERR_DIRECT_INVOKE":
        return AccessDenied(f"{where}: {message}", status=status, error_code=code, body=body)
    if code is not None and code.startswith("ERR_"):
        # Dapr's own error: the call never got an answer from the callee.
        return DaprError(f"{where}: {message}", status=status, error_code=code, body=body)
    return InvocationFailed(f"{where}: callee answered {status}", status=status, body=body)
