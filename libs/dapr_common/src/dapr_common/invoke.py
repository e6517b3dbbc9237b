"""Service invocation: call a method of another app through the sidecar (mTLS, policies)."""

from typing import Any

from dapr_common.errors import AccessDenied, DaprError, InvocationFailed
from dapr_common.transport import SidecarResponse, Transport, error_body


class Invoke:
    """`dapr.invoke`: `await dapr.invoke.post("ai-service", "get-recommendations", json=...)`."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

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
    ) -> SidecarResponse:
        """The callee's 2xx answer. Raises AccessDenied (403 by policy), InvocationFailed
        (the callee answered non-2xx), DaprError (the sidecar could not deliver),
        SidecarUnavailable (no sidecar)."""
        response = await self._transport.request(
            verb.upper(),
            f"/v1.0/invoke/{app_id}/method/{method.lstrip('/')}",
            json=json,
            params=params,
            headers=headers,
            timeout=timeout,
            check=False,
        )
        if response.is_success:
            return response
        raise _invocation_error(app_id, method, response)

    async def get(self, app_id: str, method: str, **kwargs: Any) -> Any:
        """GET and decode the JSON answer (None for an empty body)."""
        return _json(await self.call(app_id, method, verb="GET", **kwargs))

    async def post(self, app_id: str, method: str, **kwargs: Any) -> Any:
        """POST and decode the JSON answer (None for an empty body)."""
        return _json(await self.call(app_id, method, verb="POST", **kwargs))


def _json(response: SidecarResponse) -> Any:
    return response.json() if response.content else None


def _invocation_error(app_id: str, method: str, response: SidecarResponse) -> DaprError:
    code, message, body = error_body(response)
    status = response.status
    where = f"invoke {app_id}/{method}"
    if status == 403 and code == "ERR_DIRECT_INVOKE":
        return AccessDenied(f"{where}: {message}", status=status, error_code=code, body=body)
    if code is not None and code.startswith("ERR_"):
        # Dapr's own error: the call never got an answer from the callee.
        return DaprError(f"{where}: {message}", status=status, error_code=code, body=body)
    return InvocationFailed(f"{where}: callee answered {status}", status=status, body=body)
