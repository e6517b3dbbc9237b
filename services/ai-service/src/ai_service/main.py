"""The ai-service app: reached only through Dapr service invocation and pub/sub.

`POST /get-recommendations` (api/routes) ranks the open tasks the backend sends
(domain/ranking.py), using the user's activity profile that the task events build
(subscribers.py, service_layer/activity.py, domain/profile.py).
"""

from fastapi import FastAPI

from ai_service import subscribers
from ai_service.api.routes import router
from dapr_common import DaprSettings
from dapr_common.service import service_app


def create_app(settings: DaprSettings | None = None) -> FastAPI:
    return service_app(
        settings or DaprSettings(app_id="ai-service"),
        title="ai-service",
        summary="Which task next, and why; reached only through Dapr",
        max_body_size=4 * 1024 * 1024,  # up to 5,000 tasks of ~500 bytes
        routers=[router, subscribers.subscriptions.router],
    )


app = create_app()
