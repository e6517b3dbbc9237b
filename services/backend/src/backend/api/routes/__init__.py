"""The public REST API under /api, one module per resource."""

from fastapi import APIRouter

from backend.api.routes import auth, me, tasks

router = APIRouter(prefix="/api")
router.include_router(auth.router)
router.include_router(tasks.router)
router.include_router(me.router)
