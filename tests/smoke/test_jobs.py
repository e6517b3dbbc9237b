"""Jobs: the scheduler fires a one-shot job back at the app that scheduled it."""

import json
import uuid

from tests.smoke.probe_app import Probe


def test_job_with_due_time_arrives_at_the_scheduling_app(probe: Probe) -> None:
    name = f"smoke-{uuid.uuid4().hex[:10]}"
    created = probe.sidecar.post(
        f"/v1.0/jobs/{name}", json={"dueTime": "2s", "data": {"task_id": 7, "kind": "reminder"}}
    )
    assert created.status_code == 204, created.text
    inbox = probe.inbox
    assert inbox.wait_for(lambda: name in inbox.jobs, 60), f"job {name} never fired"
    body = json.loads(inbox.jobs[name][0])
    assert body == {"task_id": 7, "kind": "reminder"}
    assert inbox.bad_tokens == 0
