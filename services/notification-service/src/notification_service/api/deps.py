"""What notification-service's routes receive."""

from typing import Annotated

from fastapi import Depends

from dapr_common import require_app_token
from dapr_common.deps import DaprDep, provided
from dapr_common.postgres import DatabaseDep, SessionDep
from notification_service.service_layer.email import Mailer

# Every method is invoked through the sidecar only: it presents the app token.
SIDECAR_ONLY = [Depends(require_app_token)]

MailerDep = Annotated[Mailer, Depends(provided(Mailer))]

__all__ = ["SIDECAR_ONLY", "DaprDep", "DatabaseDep", "MailerDep", "SessionDep"]
