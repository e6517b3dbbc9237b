"""State building block: get, save (TTL, ETag, concurrency), delete, bulk get, transactions."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import quote

from dapr_common.errors import ETagMismatch
from dapr_common.transport import Transport

Concurrency = Literal["first-write", "last-write"]
Consistency = Literal["eventual", "strong"]


@dataclass(frozen=True)
class StateItem:
    """A stored value with the ETag to write it back under."""

    key: str
    value: Any
    etag: str | None = None


@dataclass(frozen=True)
class Upsert:
    """A write inside a transaction."""

    key: str
    value: Any
    etag: str | None = None
    concurrency: Concurrency | None = None
    ttl: int | timedelta | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delete:
    """A delete inside a transaction."""

    key: str
    etag: str | None = None
    concurrency: Concurrency | None = None


def _ttl_seconds(ttl: int | timedelta) -> str:
    seconds = int(ttl.total_seconds()) if isinstance(ttl, timedelta) else int(ttl)
    if seconds <= 0:
        raise ValueError("ttl must be at least one second")
    return str(seconds)


def _item(
    key: str,
    value: Any,
    etag: str | None,
    concurrency: Concurrency | None,
    consistency: Consistency | None,
    ttl: int | timedelta | None,
    metadata: dict[str, str] | None,
) -> dict[str, Any]:
    item: dict[str, Any] = {"key": key, "value": value}
    if etag is not None:
        item["etag"] = etag
    options: dict[str, str] = {}
    if concurrency:
        options["concurrency"] = concurrency
    if consistency:
        options["consistency"] = consistency
    if options:
        item["options"] = options
    meta = dict(metadata or {})
    if ttl is not None:
        meta["ttlInSeconds"] = _ttl_seconds(ttl)
    if meta:
        item["metadata"] = meta
    return item


class State:
    """`dapr.state`: one state store by default, any other by `store=`."""

    def __init__(self, transport: Transport, default_store: str) -> None:
        self._transport = transport
        self.default_store = default_store

    def _path(self, store: str | None, key: str | None = None) -> str:
        base = f"/v1.0/state/{store or self.default_store}"
        return f"{base}/{quote(key, safe='')}" if key is not None else base

    async def get(
        self, key: str, *, store: str | None = None, consistency: Consistency | None = None
    ) -> StateItem | None:
        """The item, or None when the key holds nothing (or expired)."""
        params: dict[str, str] | None = {"consistency": consistency} if consistency else None
        response = await self._transport.request("GET", self._path(store, key), params=params)
        if response.status == 204 or not response.content:
            return None
        return StateItem(key, response.json(), response.headers.get("etag"))

    async def save(
        self,
        key: str,
        value: Any,
        *,
        etag: str | None = None,
        concurrency: Concurrency | None = None,
        consistency: Consistency | None = None,
        ttl: int | timedelta | None = None,
        metadata: dict[str, str] | None = None,
        store: str | None = None,
    ) -> None:
        """Write one value. With `etag` (or `concurrency="first-write"` and no etag: insert
        only), a lost race raises ETagMismatch; `ttl` makes the item expire."""
        item = _item(key, value, etag, concurrency, consistency, ttl, metadata)
        await self._transport.request("POST", self._path(store), json=[item])

    async def update(
        self,
        key: str,
        change: Callable[[Any], Any],
        *,
        ttl: int | timedelta | None = None,
        attempts: int = 20,
        store: str | None = None,
        likely_new: bool = False,
    ) -> Any:
        """Read-modify-write under the key's ETag: store `change(current value or None)` and
        return it. A concurrent writer makes this re-read and call `change` again, so `change`
        must be a pure function of the value. When it returns the value unchanged nothing is
        written. After `attempts` lost races, ETagMismatch (409).

        `likely_new`: the key is usually absent (a first event about a thing): try the
        insert-only write of `change(None)` before any read, one call instead of two; a key
        that exists makes it read-modify-write as above."""
        if likely_new and (new := change(None)) is not None:
            try:
                await self.save(key, new, etag="0", concurrency="first-write", ttl=ttl, store=store)
                return new
            except ETagMismatch:
                pass
        for _ in range(attempts):
            item = await self.get(key, store=store)
            current = None if item is None else item.value
            new = change(current)
            if item is not None and new == current:
                return current
            try:
                # No item yet: ETag "0" with first-write is insert-only; a concurrent insert wins.
                await self.save(
                    key,
                    new,
                    etag=item.etag if item is not None else "0",
                    concurrency="first-write",
                    ttl=ttl,
                    store=store,
                )
            except ETagMismatch:
                continue
            return new
        raise ETagMismatch(f"{key}: still contended after {attempts} attempts", status=409)

    async def save_many(self, items: list[Upsert], *, store: str | None = None) -> None:
        """Write several values in one call (not atomic: use `transaction` for that)."""
        body = [
            _item(i.key, i.value, i.etag, i.concurrency, None, i.ttl, i.metadata) for i in items
        ]
        await self._transport.request("POST", self._path(store), json=body)

    async def delete(
        self,
        key: str,
        *,
        etag: str | None = None,
        concurrency: Concurrency | None = None,
        store: str | None = None,
    ) -> None:
        headers = {"If-Match": etag} if etag is not None else None
        params: dict[str, str] | None = {"concurrency": concurrency} if concurrency else None
        await self._transport.request(
            "DELETE", self._path(store, key), headers=headers, params=params
        )

    async def get_bulk(
        self, keys: list[str], *, parallelism: int | None = None, store: str | None = None
    ) -> dict[str, StateItem]:
        """The items that exist among `keys`, by key (missing keys are left out)."""
        if not keys:
            return {}
        body: dict[str, Any] = {"keys": keys}
        if parallelism:
            body["parallelism"] = parallelism
        response = await self._transport.request("POST", f"{self._path(store)}/bulk", json=body)
        found = {}
        for entry in response.json():
            if "data" in entry and "error" not in entry:
                found[entry["key"]] = StateItem(entry["key"], entry["data"], entry.get("etag"))
        return found

    async def transaction(
        self,
        operations: list[Upsert | Delete],
        *,
        metadata: dict[str, str] | None = None,
        store: str | None = None,
    ) -> None:
        """Apply every operation or none; a failed ETag check raises ETagMismatch."""
        ops = []
        for op in operations:
            if isinstance(op, Upsert):
                request = _item(
                    op.key, op.value, op.etag, op.concurrency, None, op.ttl, op.metadata
                )
                ops.append({"operation": "upsert", "request": request})
            else:
                request = _item(op.key, None, op.etag, op.concurrency, None, None, None)
                request.pop("value")
                ops.append({"operation": "delete", "request": request})
        body: dict[str, Any] = {"operations": ops}
        if metadata:
            body["metadata"] = metadata
        await self._transport.request("POST", f"{self._path(store)}/transaction", json=body)
