"""State against real Redis through a real sidecar."""

import asyncio
import uuid

import pytest

from dapr_common import (
    DaprClient,
    DaprError,
    Delete,
    ETagMismatch,
    StateStoreProcessedEvents,
    Upsert,
)


def key() -> str:
    return f"it-{uuid.uuid4().hex}"


async def test_round_trip_with_etags(own: DaprClient) -> None:
    k = key()
    await own.state.save(k, {"v": 1})
    item = await own.state.get(k)
    assert item is not None and item.value == {"v": 1} and item.etag
    with pytest.raises(ETagMismatch):
        await own.state.save(k, {"v": 2}, etag="999999")
    await own.state.save(k, {"v": 2}, etag=item.etag)
    with pytest.raises(ETagMismatch):
        await own.state.delete(k, etag=item.etag)  # stale now
    fresh = await own.state.get(k)
    assert fresh is not None and fresh.value == {"v": 2}
    await own.state.delete(k, etag=fresh.etag)
    assert await own.state.get(k) is None


async def test_ttl_expiry(own: DaprClient) -> None:
    k = key()
    await own.state.save(k, "brief", ttl=1)
    assert (await own.state.get(k)) is not None
    for _ in range(60):
        if await own.state.get(k) is None:
            return
        await asyncio.sleep(0.25)
    raise AssertionError("item outlived its 1 s TTL by 15 s")


async def test_bulk_get_and_transaction(own: DaprClient) -> None:
    a, b, missing = key(), key(), key()
    await own.state.transaction([Upsert(a, 1), Upsert(b, 2)])
    found = await own.state.get_bulk([a, b, missing])
    assert {k: v.value for k, v in found.items()} == {a: 1, b: 2}
    await own.state.transaction([Delete(a), Upsert(b, 3)])
    found = await own.state.get_bulk([a, b])
    assert {k: v.value for k, v in found.items()} == {b: 3}


async def test_redis_transactions_do_not_roll_back_a_failed_etag_check(own: DaprClient) -> None:
    """Pinned so nobody builds on it: Redis MULTI/EXEC applies the other operations anyway."""
    a, b = key(), key()
    await own.state.save(a, "kept")
    with pytest.raises(DaprError):
        await own.state.transaction([Upsert(b, "new"), Upsert(a, "lost", etag="999999")])
    written = await own.state.get(b)
    assert written is not None and written.value == "new"
    item = await own.state.get(a)
    assert item is not None and item.value == "kept"


async def test_processed_events_apply_an_effect_once(own: DaprClient) -> None:
    processed = StateStoreProcessedEvents(own)
    counter = key()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert await processed.apply_once(counter, first, lambda v: (v or 0) + 1) is True
    assert await processed.apply_once(counter, first, lambda v: (v or 0) + 1) is False
    assert await processed.apply_once(counter, second, lambda v: (v or 0) + 1) is True
    assert await processed.read(counter) == 2


async def test_processed_events_under_concurrent_redelivery(own: DaprClient) -> None:
    """20 events, each delivered 3 times at once: every event counts exactly once."""
    processed = StateStoreProcessedEvents(own, attempts=100)
    counter = key()
    ids = [str(uuid.uuid4()) for _ in range(20)]
    results = await asyncio.gather(
        *(processed.apply_once(counter, i, lambda v: (v or 0) + 1) for i in ids * 3)
    )
    assert sum(results) == 20
    assert await processed.read(counter) == 20


async def test_update_under_concurrency_loses_no_change(own: DaprClient) -> None:
    """30 concurrent read-modify-writes of one key: each lands exactly once."""
    counter = key()
    results = await asyncio.gather(
        *(own.state.update(counter, lambda v: (v or 0) + 1, attempts=200) for _ in range(30))
    )
    assert sorted(results) == list(range(1, 31))
    item = await own.state.get(counter)
    assert item is not None and item.value == 30


async def test_update_with_a_ttl_expires(own: DaprClient) -> None:
    k = key()
    assert await own.state.update(k, lambda v: {"n": 1}, ttl=1) == {"n": 1}
    assert await own.state.update(k, lambda v: {"n": v["n"] + 1}, ttl=1) == {"n": 2}
    for _ in range(60):
        if await own.state.get(k) is None:
            return
        await asyncio.sleep(0.25)
    raise AssertionError("updated item outlived its 1 s TTL by 15 s")
