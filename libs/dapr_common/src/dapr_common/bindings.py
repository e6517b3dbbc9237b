"""Output bindings: hand data to an external system (an SMTP relay, a queue, a webhook)."""

from typing import Any
from urllib.parse import quote

from dapr_common.transport import Transport


class Bindings:
    """`dapr.bindings`: invoke an output binding component by name."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def invoke(
        self,
        name: str,
        operation: str,
        data: Any = None,
        *,
        metadata: dict[str, str] | None = None,
    ) -> Any:
        """Run `operation` on binding `name`; the binding's answer (decoded JSON, text or None).

        `metadata` carries per-call settings, e.g. `emailTo` and `subject` for `bindings.smtp`.
        """
        body: dict[str, Any] = {"operation": operation}
        if data is not None:
            body["data"] = data
        if metadata:
            body["metadata"] = metadata
        response = await self._transport.request(
            "POST", f"/v1.0/bindings/{quote(name, safe='')}", json=body
        )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.text
