"""Every invoked method of ai-service, one module per resource."""

from fastapi import APIRouter

from ai_service.api.routes import recommendations

router = APIRouter()
router.include_router(recommendations.router)
