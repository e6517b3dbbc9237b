"""How the scheduler retries a reminder's or digest's firing that the callback failed
(domain/reminders.py gives the figures)."""

from backend.domain.reminders import JOB_RETRIES, JOB_RETRY_INTERVAL
from dapr_common import FailurePolicy

JOB_FAILURE_POLICY = FailurePolicy(max_retries=JOB_RETRIES, interval=JOB_RETRY_INTERVAL)
