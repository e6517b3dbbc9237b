"""FastAPI dependency that admits only calls from the app's own sidecar."""

import secrets
from typing import Annotated

from fastapi import Header, HTTPException, status

from dapr_common.deps import DaprSettingsDep


async def require_app_token(
    settings: DaprSettingsDep, dapr_api_token: Annotated[str | None, Header()] = None
) -> None:
    """Reject the call unless it carries the APP_API_TOKEN the sidecar was given.

    With no app token configured every call is admitted (plain local runs without the
    launcher).
    """
    expected = settings.app_api_token
    if expected is None:
        return
    if dapr_api_token is None or not secrets.compare_digest(
        dapr_api_token, expected.get_secret_value()
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong dapr-api-token")
