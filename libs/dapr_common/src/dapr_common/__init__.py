"""Typed async layer over the Dapr sidecar API and its FastAPI glue."""

from dapr_common.app_token import require_app_token
from dapr_common.client import DaprClient
from dapr_common.errors import AccessDenied, DaprError, SidecarUnavailable
from dapr_common.settings import DaprSettings

__all__ = [
    "AccessDenied",
    "DaprClient",
    "DaprError",
    "DaprSettings",
    "SidecarUnavailable",
    "require_app_token",
]
