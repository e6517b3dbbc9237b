"""Errors raised by the Dapr layer; each carries Dapr's errorCode when the sidecar gave one."""


class DaprError(Exception):
    """A call to the sidecar failed."""

    def __init__(self, message: str, *, status: int | None = None, error_code: str | None = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code


class AccessDenied(DaprError):
    """The callee's sidecar refused the call (access-control policy, HTTP 403)."""


class SidecarUnavailable(DaprError):
    """The sidecar could not be reached."""
