"""Errors raised by the Dapr layer; each carries the HTTP status and Dapr's errorCode."""

from typing import Any


class DaprError(Exception):
    """A call to the sidecar failed."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.error_code = error_code
        self.body = body

    def __str__(self) -> str:
        parts = [self.message]
        if self.error_code:
            parts.insert(0, f"[{self.error_code}]")
        if self.status is not None:
            parts.insert(0, f"HTTP {self.status}")
        return " ".join(parts)


class SidecarUnavailable(DaprError):
    """The sidecar could not be reached, or did not answer in time."""


class NotFound(DaprError):
    """The thing asked for does not exist (a job, a secret, a route)."""


class ETagMismatch(DaprError):
    """A state write or delete lost an optimistic-concurrency race (HTTP 409)."""


class AccessDenied(DaprError):
    """The callee's sidecar refused the invocation (access-control policy, HTTP 403)."""


class InvocationFailed(DaprError):
    """The invoked app answered with a non-2xx status; `status` and `body` are the callee's."""
