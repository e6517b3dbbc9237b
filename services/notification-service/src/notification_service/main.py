"""The notification-service app: reached only through Dapr service invocation and pub/sub."""

import logging
import uuid
from typing import Literal

from fastapi import Depends, FastAPI, status
from pydantic import BaseModel, Field

from dapr_common import DaprSettings, require_app_token

log = logging.getLogger("notification_service")


class SendRequest(BaseModel):
    user_id: str = Field(min_length=1)
    channel: Literal["in_app", "email"] = "in_app"
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=10_000)


class SendAccepted(BaseModel):
    id: str
    status: Literal["accepted"] = "accepted"
    user_id: str
    channel: str


def create_app(settings: DaprSettings | None = None) -> FastAPI:
    app = FastAPI(title="notification-service")
    app.state.dapr_settings = settings or DaprSettings(app_id="notification-service")
    sidecar_only = [Depends(require_app_token)]

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/send", status_code=status.HTTP_202_ACCEPTED, dependencies=sidecar_only)
    async def send(request: SendRequest) -> SendAccepted:
        # Accept-and-log until the notifications store lands (issue 5).
        notification_id = str(uuid.uuid4())
        log.info("notification %s for %s: %s", notification_id, request.user_id, request.subject)
        return SendAccepted(id=notification_id, user_id=request.user_id, channel=request.channel)

    return app


app = create_app()
