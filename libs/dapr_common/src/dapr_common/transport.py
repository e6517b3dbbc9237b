"""What every building block needs from the sidecar connection: send one request, get one
answer. The client implements it; the building blocks depend only on this module, so they
never import the client that builds them."""

import json as jsonlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from dapr_common.errors import DaprError, ETagMismatch, NotFound


@dataclass(frozen=True)
class SidecarResponse:
    """A sidecar's answer: status, headers (case-insensitive) and the whole body."""

    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)


class Transport(Protocol):
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
        ...


def error_body(response: SidecarResponse) -> tuple[str | None, str, Any]:
    """(errorCode, message, decoded body) of an error answer, whatever its shape."""
    try:
        body = response.json()
    except ValueError:
        return None, response.text or f"HTTP {response.status}", response.text
    if isinstance(body, dict):
        return body.get("errorCode"), str(body.get("message", body)), body
    return None, str(body), body


def error_from(response: SidecarResponse) -> DaprError:
    """Map a sidecar error answer to the typed error callers handle."""
    code, message, body = error_body(response)
    status = response.status
    cls: type[DaprError] = DaprError
    if status == 409 or (code or "").endswith("ETAG_MISMATCH"):
        cls = ETagMismatch
    elif status == 404:
        cls = NotFound
    return cls(message, status=status, error_code=code, body=body)
