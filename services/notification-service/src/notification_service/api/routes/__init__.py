"""Every invoked method of notification-service, one module per resource."""

from fastapi import APIRouter

from notification_service.api.routes import dead_letters, notifications

router = APIRouter()
router.include_router(notifications.router)
router.include_router(dead_letters.router)
