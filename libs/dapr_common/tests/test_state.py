from datetime import timedelta

import pytest

from dapr_common import DaprClient, Delete, ETagMismatch, StateItem, Upsert
from dapr_common.testing import FakeSidecar


async def test_get_returns_value_and_etag(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.get("/v1.0/state/statestore/user%2F1").respond(
        200, json={"n": 1}, headers={"etag": "3"}
    )
    assert await dapr.state.get("user/1") == StateItem("user/1", {"n": 1}, "3")
    assert route.last.headers["dapr-api-token"] == "tok"


async def test_get_of_a_missing_key_is_none(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/state/statestore/nope").respond(204)
    assert await dapr.state.get("nope") is None


async def test_get_with_strong_consistency_and_another_store(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    route = sidecar.get("/v1.0/state/other/k").respond(200, json=1)
    await dapr.state.get("k", store="other", consistency="strong")
    assert route.last.query["consistency"] == "strong"


async def test_save_sends_ttl_etag_and_concurrency(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.post("/v1.0/state/statestore").respond(204)
    await dapr.state.save(
        "k", {"a": 1}, etag="7", concurrency="first-write", ttl=timedelta(minutes=5)
    )
    assert route.last.json() == [
        {
            "key": "k",
            "value": {"a": 1},
            "etag": "7",
            "options": {"concurrency": "first-write"},
            "metadata": {"ttlInSeconds": "300"},
        }
    ]


async def test_save_rejects_a_ttl_below_one_second(dapr: DaprClient) -> None:
    with pytest.raises(ValueError, match="ttl"):
        await dapr.state.save("k", 1, ttl=0)


async def test_etag_conflict_on_save_is_etag_mismatch(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.post("/v1.0/state/statestore").respond(
        409,
        json={
            "errorCode": "ERR_STATE_SAVE",
            "message": "failed saving state in state store statestore: possible etag mismatch. error from state store: ERR Error running script",
        },
    )
    with pytest.raises(ETagMismatch) as caught:
        await dapr.state.save("k", 1, etag="1")
    assert caught.value.error_code == "ERR_STATE_SAVE" and caught.value.status == 409


async def test_delete_sends_if_match(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.delete("/v1.0/state/statestore/k").respond(204)
    await dapr.state.delete("k", etag="4", concurrency="first-write")
    request = route.last
    assert request.headers["if-match"] == "4"
    assert request.query["concurrency"] == "first-write"


async def test_get_bulk_leaves_out_missing_and_failed_keys(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    route = sidecar.post("/v1.0/state/statestore/bulk").respond(
        200,
        json=[
            {"key": "a", "data": {"x": 1}, "etag": "1"},
            {"key": "b"},
            {"key": "c", "error": "boom"},
        ],
    )
    found = await dapr.state.get_bulk(["a", "b", "c"], parallelism=4)
    assert found == {"a": StateItem("a", {"x": 1}, "1")}
    assert route.last.json() == {
        "keys": ["a", "b", "c"],
        "parallelism": 4,
    }


async def test_get_bulk_of_nothing_makes_no_call(dapr: DaprClient) -> None:
    assert await dapr.state.get_bulk([]) == {}


async def test_transaction_body(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.post("/v1.0/state/statestore/transaction").respond(204)
    await dapr.state.transaction(
        [Upsert("a", 1, ttl=60), Delete("b", etag="2"), Upsert("m", "x", concurrency="first-write")]
    )
    assert route.last.json() == {
        "operations": [
            {
                "operation": "upsert",
                "request": {"key": "a", "value": 1, "metadata": {"ttlInSeconds": "60"}},
            },
            {"operation": "delete", "request": {"key": "b", "etag": "2"}},
            {
                "operation": "upsert",
                "request": {"key": "m", "value": "x", "options": {"concurrency": "first-write"}},
            },
        ]
    }


async def test_save_many(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    route = sidecar.post("/v1.0/state/statestore").respond(204)
    await dapr.state.save_many([Upsert("a", 1), Upsert("b", 2, etag="5")])
    assert route.last.json() == [
        {"key": "a", "value": 1},
        {"key": "b", "value": 2, "etag": "5"},
    ]


async def test_update_inserts_then_retries_a_lost_race(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/state/statestore/k").respond(204).respond(200, json=5, headers={"etag": "2"})
    save = (
        sidecar.post("/v1.0/state/statestore")
        .respond(409, json={"errorCode": "ERR_STATE_SAVE", "message": "etag"})
        .respond(204)
    )
    assert await dapr.state.update("k", lambda v: (v or 0) + 1, ttl=60) == 6
    first, second = (c.json()[0] for c in save.calls)
    assert first == {
        "key": "k",
        "value": 1,
        "etag": "0",
        "options": {"concurrency": "first-write"},
        "metadata": {"ttlInSeconds": "60"},
    }
    assert second["value"] == 6 and second["etag"] == "2"


async def test_update_of_a_likely_new_key_inserts_without_a_read(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    save = sidecar.post("/v1.0/state/statestore").respond(204)  # no GET: the fake fails on one
    assert await dapr.state.update("k", lambda v: (v or 0) + 1, ttl=60, likely_new=True) == 1
    assert save.last.json() == [
        {
            "key": "k",
            "value": 1,
            "etag": "0",
            "options": {"concurrency": "first-write"},
            "metadata": {"ttlInSeconds": "60"},
        }
    ]


async def test_update_of_a_likely_new_key_that_exists_reads_and_writes_it(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/state/statestore/k").respond(200, json=5, headers={"etag": "7"})
    save = (
        sidecar.post("/v1.0/state/statestore")
        .respond(409, json={"errorCode": "ERR_STATE_SAVE", "message": "etag"})
        .respond(204)
    )
    assert await dapr.state.update("k", lambda v: (v or 0) + 1, likely_new=True) == 6
    first, second = (c.json()[0] for c in save.calls)
    assert (first["value"], first["etag"]) == (1, "0")
    assert (second["value"], second["etag"]) == (6, "7")


async def test_update_that_changes_nothing_writes_nothing(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.get("/v1.0/state/statestore/k").respond(200, json={"a": 1}, headers={"etag": "2"})
    assert await dapr.state.update("k", lambda v: v) == {"a": 1}  # no POST is scripted


async def test_update_gives_up_after_its_attempts(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/state/statestore/k").respond(200, json=1, headers={"etag": "2"})
    sidecar.post("/v1.0/state/statestore").respond(409, json={"message": "etag"})
    with pytest.raises(ETagMismatch, match="still contended after 3 attempts"):
        await dapr.state.update("k", lambda v: v + 1, attempts=3)
