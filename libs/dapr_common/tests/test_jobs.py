from datetime import UTC, datetime, timedelta

import pytest

from dapr_common import DaprClient, DaprError, FailurePolicy, Job
from dapr_common.testing import FakeSidecar


async def test_schedule_one_shot_with_data_and_policy(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    route = sidecar.post("/v1.0/jobs/reminder-7").respond(204)
    await dapr.jobs.schedule(
        "reminder-7",
        due_time=datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
        data={"task_id": 7},
        overwrite=True,
        failure_policy=FailurePolicy(max_retries=5, interval=timedelta(seconds=2)),
    )
    assert route.last.json() == {
        "dueTime": "2026-12-01T09:00:00+00:00",
        "data": {"task_id": 7},
        "overwrite": True,
        "failurePolicy": {"constant": {"interval": "2s", "maxRetries": 5}},
    }


async def test_schedule_cron_with_repeats_ttl_and_drop_policy(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    route = sidecar.post("/v1.0/jobs/digest-u1").respond(204)
    await dapr.jobs.schedule(
        "digest-u1",
        schedule="CRON_TZ=Europe/Paris 0 0 8 * * *",
        repeats=3,
        ttl=timedelta(days=1),
        failure_policy=FailurePolicy(max_retries=0),
    )
    assert route.last.json() == {
        "schedule": "CRON_TZ=Europe/Paris 0 0 8 * * *",
        "repeats": 3,
        "ttl": "86400s",
        "failurePolicy": {"drop": {}},
    }


async def test_schedule_needs_a_when(dapr: DaprClient) -> None:
    with pytest.raises(ValueError):
        await dapr.jobs.schedule("x", data={})


async def test_naive_due_time_is_refused(dapr: DaprClient) -> None:
    with pytest.raises(ValueError, match="timezone"):
        await dapr.jobs.schedule("x", due_time=datetime(2026, 1, 1))


async def test_falls_back_to_alpha_when_the_stable_route_is_missing(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.post("/v1.0/jobs/j").respond(404, text="404 page not found")
    alpha = sidecar.post("/v1.0-alpha1/jobs/j").respond(204)
    await dapr.jobs.schedule("j", due_time="1s")
    assert alpha.called


async def test_get_decodes_the_job(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/jobs/j").respond(200, json={"name": "j", "dueTime": "2s", "data": {"a": 1}})
    assert await dapr.jobs.get("j") == Job("j", None, "2s", None, None, {"a": 1})


async def test_get_of_a_missing_job_is_none(dapr: DaprClient, sidecar: FakeSidecar) -> None:
    sidecar.get("/v1.0/jobs/j").respond(
        404, json={"errorCode": "ERR_JOBS_NOT_FOUND", "message": "job not found: j"}
    )
    assert await dapr.jobs.get("j") is None


async def test_delete_of_a_missing_job_is_fine_other_errors_raise(
    dapr: DaprClient, sidecar: FakeSidecar
) -> None:
    sidecar.delete("/v1.0/jobs/gone").respond(
        404, json={"errorCode": "ERR_JOBS_NOT_FOUND", "message": "job not found"}
    )
    sidecar.delete("/v1.0/jobs/broken").respond(
        500, json={"errorCode": "ERR_DELETE_JOB", "message": "scheduler unavailable"}
    )
    await dapr.jobs.delete("gone")
    with pytest.raises(DaprError):
        await dapr.jobs.delete("broken")
