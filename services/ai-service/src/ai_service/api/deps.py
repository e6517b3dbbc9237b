"""What ai-service's routes receive."""

from fastapi import Depends

from dapr_common import require_app_token
from dapr_common.deps import DaprDep

# Every method is invoked through the sidecar only: it presents the app token.
SIDECAR_ONLY = [Depends(require_app_token)]

__all__ = ["SIDECAR_ONLY", "DaprDep"]
