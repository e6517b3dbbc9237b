"""Typed async layer over the Dapr sidecar API and its FastAPI glue."""

from dapr_common.app_token import require_app_token
from dapr_common.client import DaprClient
from dapr_common.errors import (
    AccessDenied,
    DaprError,
    ETagMismatch,
    InvocationFailed,
    NotFound,
    SidecarUnavailable,
)
from dapr_common.health import health_router
from dapr_common.idempotency import ProcessedEvents, StateStoreProcessedEvents
from dapr_common.job_handlers import JobHandlers
from dapr_common.jobs import FailurePolicy, Job
from dapr_common.pubsub import BulkEntry, BulkPublishFailed
from dapr_common.settings import DaprSettings
from dapr_common.state import Delete, StateItem, Upsert
from dapr_common.subscriptions import BulkSubscribe, CloudEvent, Drop, Retry, Subscriptions

__all__ = [
    "AccessDenied",
    "BulkEntry",
    "BulkPublishFailed",
    "BulkSubscribe",
    "CloudEvent",
    "DaprClient",
    "DaprError",
    "DaprSettings",
    "Delete",
    "Drop",
    "ETagMismatch",
    "FailurePolicy",
    "InvocationFailed",
    "Job",
    "JobHandlers",
    "NotFound",
    "ProcessedEvents",
    "Retry",
    "SidecarUnavailable",
    "StateItem",
    "StateStoreProcessedEvents",
    "Subscriptions",
    "Upsert",
    "health_router",
    "require_app_token",
]
