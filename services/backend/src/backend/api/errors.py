"""The use cases' refusals and the sidecar's failures as HTTP answers, written once."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, status

from backend.service_layer.errors import (
    EmailTaken,
    JobsUnavailable,
    NotificationNotFound,
    StaleTask,
    TaskNotFound,
    TooManyFailedLogins,
    UnknownUser,
    WrongCredentials,
)
from dapr_common import AccessDenied, DaprError, InvocationFailed

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"description": "no such task for this user"}}
STALE: Responses = {412: {"description": "If-Match names a version that is no longer current"}}
NO_JOBS: Responses = {503: {"description": "the scheduler is unreachable; nothing was written"}}
UNAVAILABLE: Responses = {
    503: {"description": "the service behind this route is down or timed out; retry later"}
}
RETRY_AFTER = {"Retry-After": "5"}


@contextmanager
def translated(jobs_down: str = "reminders are unavailable") -> Iterator[None]:
    """Use-case errors to HTTP answers; `jobs_down` says what a JobsUnavailable stopped."""
    try:
        yield
    except UnknownUser:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing, invalid or expired access token",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    except TaskNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "task not found") from None
    except NotificationNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "notification not found") from None
    except StaleTask:
        raise HTTPException(
            status.HTTP_412_PRECONDITION_FAILED,
            "the task changed since you read it: fetch it again and retry",
        ) from None
    except JobsUnavailable as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{jobs_down}, nothing was saved: {exc}",
            headers=RETRY_AFTER,
        ) from None
    except EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "this email is already registered") from None
    except WrongCredentials:
        # One message for both cases: the answer does not tell which part was wrong.
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "wrong email or password",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    except TooManyFailedLogins as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            "too many failed logins for this account; try again later",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except ValueError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_ENTITY, str(exc)) from None


@contextmanager
def calling(service: str) -> Iterator[None]:
    """A call through the sidecar: the callee refusing is a 502, the callee (or the
    building block) out of reach a 503 with Retry-After."""
    try:
        yield
    except (AccessDenied, InvocationFailed) as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, f"{service} refused: {exc}") from exc
    except DaprError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{service} is unavailable right now, try again shortly ({exc.message})",
            headers=RETRY_AFTER,
        ) from exc
