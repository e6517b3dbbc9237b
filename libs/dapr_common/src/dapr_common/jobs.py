"""Jobs building block: schedule, read and delete jobs the scheduler fires back at this app."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from dapr_common.errors import DaprError, NotFound
from dapr_common.transport import Transport


@dataclass(frozen=True)
class FailurePolicy:
    """What the scheduler does when the app's /job handler fails: retry `max_retries` times
    `interval` apart, or drop (`max_retries=0`)."""

    max_retries: int = 3
    interval: timedelta = timedelta(seconds=1)

    def to_json(self) -> dict[str, Any]:
        if self.max_retries == 0:
            return {"drop": {}}
        return {
            "constant": {
                "interval": f"{int(self.interval.total_seconds())}s",
                "maxRetries": self.max_retries,
            }
        }


@dataclass(frozen=True)
class Job:
    """A scheduled job as the sidecar reports it."""

    name: str
    schedule: str | None
    due_time: str | None
    repeats: int | None
    ttl: str | None
    data: Any


def _when(value: str | datetime | timedelta) -> str:
    """Dapr takes RFC 3339 times and Go durations."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("due times must be timezone-aware")
        return value.isoformat()
    if isinstance(value, timedelta):
        return f"{max(int(value.total_seconds()), 0)}s"
    return value


class Jobs:
    """`dapr.jobs`: the stable /v1.0 API, falling back to /v1.0-alpha1 on older runtimes."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._version = "v1.0"

    async def _send(self, method: str, name: str, body: Any = None) -> Any:
        path = f"/{self._version}/jobs/{quote(name, safe='')}"
        try:
            return await self._transport.request(method, path, json=body)
        except NotFound as exc:
            # An unknown route answers 404 without a Dapr errorCode: the runtime predates v1.0.
            if exc.error_code is None and self._version == "v1.0":
                self._version = "v1.0-alpha1"
                return await self._send(method, name, body)
            raise

    async def schedule(
        self,
        name: str,
        *,
        schedule: str | None = None,
        due_time: str | datetime | timedelta | None = None,
        repeats: int | None = None,
        ttl: str | datetime | timedelta | None = None,
        data: Any = None,
        overwrite: bool = False,
        failure_policy: FailurePolicy | None = None,
    ) -> None:
        """Schedule `name`: a cron `schedule` ("0 30 9 * * *", "@daily", "CRON_TZ=Europe/Paris
        0 0 8 * * *"), a one-shot `due_time`, or both. `overwrite` replaces a job of that name."""
        if schedule is None and due_time is None:
            raise ValueError("a job needs a schedule, a due time, or both")
        body: dict[str, Any] = {}
        if schedule is not None:
            body["schedule"] = schedule
        if due_time is not None:
            body["dueTime"] = _when(due_time)
        if repeats is not None:
            body["repeats"] = repeats
        if ttl is not None:
            body["ttl"] = _when(ttl)
        if data is not None:
            body["data"] = data
        if overwrite:
            body["overwrite"] = True
        if failure_policy is not None:
            body["failurePolicy"] = failure_policy.to_json()
        await self._send("POST", name, body)

    async def get(self, name: str) -> Job | None:
        """The job, or None when no job of that name exists."""
        try:
            response = await self._send("GET", name)
        except NotFound:
            return None
        except DaprError as exc:
            if _is_missing(exc):
                return None
            raise
        job = response.json()
        return Job(
            name=job.get("name", name),
            schedule=job.get("schedule"),
            due_time=job.get("dueTime"),
            repeats=job.get("repeats"),
            ttl=job.get("ttl"),
            data=_unwrap(job.get("data")),
        )

    async def delete(self, name: str) -> None:
        """Delete the job; deleting a job that does not exist is not an error."""
        try:
            await self._send("DELETE", name)
        except NotFound:
            return
        except DaprError as exc:
            if not _is_missing(exc):
                raise


def _unwrap(data: Any) -> Any:
    """The sidecar reports job data as a protobuf Any (`{"@type": …, "value": …}`)."""
    if isinstance(data, dict) and "@type" in data and "value" in data:
        return data["value"]
    return data


def _is_missing(exc: DaprError) -> bool:
    return "not found" in exc.message.lower()
