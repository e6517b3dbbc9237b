"""Pub/sub building block: publish one event or many, with CloudEvent id, type and key."""

import json as jsonlib
from dataclasses import dataclass, field
from typing import Any

from dapr_common.errors import DaprError
from dapr_common.transport import Transport

CLOUDEVENT_JSON = "application/cloudevents+json"


@dataclass(frozen=True)
class BulkEntry:
    """One event of a bulk publish; `entry_id` names it in the failure report."""

    entry_id: str
    event: Any
    content_type: str = "application/json"
    metadata: dict[str, str] = field(default_factory=dict)


class BulkPublishFailed(DaprError):
    """Some entries of a bulk publish were not published; `failed` holds their entry ids."""

    def __init__(self, message: str, failed: list[str], **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.failed = failed


def _metadata_params(
    event_id: str | None,
    event_type: str | None,
    partition_key: str | None,
    metadata: dict[str, str] | None,
) -> dict[str, str]:
    params = {f"metadata.{k}": v for k, v in (metadata or {}).items()}
    if event_id is not None:
        params["metadata.cloudevent.id"] = event_id
    if event_type is not None:
        params["metadata.cloudevent.type"] = event_type
    if partition_key is not None:
        params["metadata.partitionKey"] = partition_key
    return params


class PubSub:
    """`dapr.pubsub`: publish through one pub/sub component by default, any other by `pubsub=`."""

    def __init__(self, transport: Transport, default_pubsub: str) -> None:
        self._transport = transport
        self.default_pubsub = default_pubsub

    async def publish(
        self,
        topic: str,
        data: Any,
        *,
        event_id: str | None = None,
        event_type: str | None = None,
        partition_key: str | None = None,
        content_type: str = "application/json",
        metadata: dict[str, str] | None = None,
        pubsub: str | None = None,
    ) -> None:
        """Publish `data`; the sidecar wraps it in a CloudEvent whose id is `event_id`.

        With `content_type="application/cloudevents+json"`, `data` is a whole CloudEvent
        sent as is. A redelivery of the same logical event should reuse the same `event_id`.
        """
        params = _metadata_params(event_id, event_type, partition_key, metadata)
        if isinstance(data, bytes | str) and content_type != "application/json":
            content = data.encode() if isinstance(data, str) else data
        else:
            content = jsonlib.dumps(data, separators=(",", ":")).encode()
        await self._transport.request(
            "POST",
            f"/v1.0/publish/{pubsub or self.default_pubsub}/{topic}",
            content=content,
            params=params,
            headers={"content-type": content_type},
        )

    async def publish_bulk(
        self,
        topic: str,
        entries: list[BulkEntry],
        *,
        metadata: dict[str, str] | None = None,
        pubsub: str | None = None,
    ) -> None:
        """Publish many events in one call; raises BulkPublishFailed naming the failed entries."""
        if not entries:
            return
        body = [
            {
                "entryId": e.entry_id,
                "event": e.event,
                "contentType": e.content_type,
                **({"metadata": e.metadata} if e.metadata else {}),
            }
            for e in entries
        ]
        params = {f"metadata.{k}": v for k, v in (metadata or {}).items()}
        try:
            await self._transport.request(
                "POST",
                f"/v1.0-alpha1/publish/bulk/{pubsub or self.default_pubsub}/{topic}",
                json=body,
                params=params,
            )
        except DaprError as exc:
            failed = []
            if isinstance(exc.body, dict):
                failed = [f.get("entryId", "") for f in exc.body.get("failedEntries", [])]
            raise BulkPublishFailed(
                exc.message, failed, status=exc.status, error_code=exc.error_code, body=exc.body
            ) from exc
