"""The product on the dev cluster, as `cluster up` deployed it from k8s/overlays/local: the
production shape's replicas, each pod with its injected sidecar, under Pod Security
`restricted`; the cross-service e2e journeys run unchanged through the backend Service; the
access matrix holds between the pods' sidecars; `make rollout` and a deleted pod lose nothing."""

import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable

import httpx
import pytest

from devstack.cluster import NAMESPACE, k8s_bin
from devstack.versions import repo_root
from tests.cluster.conftest import ClusterStack
from tests.e2e import test_notifications_and_recommendations as journeys
from tests.security.test_invocation_matrix import MATRIX, _refused, body_for, fill
from tests.security.test_policy_files import apps, templates

REPLICAS = {"backend": 3, "notification-service": 2, "ai-service": 2}


def test_every_app_runs_its_base_replicas_each_pod_with_its_ready_sidecar(
    cluster_stack: ClusterStack,
) -> None:
    for app_id, replicas in REPLICAS.items():
        pods = [p for p in cluster_stack.pods(app_id) if "deletionTimestamp" not in p["metadata"]]
        assert len(pods) == replicas, (app_id, [p["metadata"]["name"] for p in pods])
        for pod in pods:
            statuses = {c["name"]: c["ready"] for c in pod["status"]["containerStatuses"]}
            assert statuses == {app_id: True, "daprd": True}, (pod["metadata"]["name"], statuses)


def test_pod_security_restricted_is_enforced_on_the_apps_namespace(
    cluster_stack: ClusterStack,
) -> None:
    labels = json.loads(
        cluster_stack.cluster.kubectl("get", "namespace", NAMESPACE, "-o", "json").stdout
    )["metadata"]["labels"]
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "privileged-probe", "namespace": NAMESPACE},
        "spec": {"containers": [{"name": "c", "image": "127.0.0.1:15000/pause:devcluster",
                                 "securityContext": {"privileged": True}}]},
    }  # fmt: skip
    refused = cluster_stack.cluster.kubectl(
        "apply", "--dry-run=server", "-f", "-", input=json.dumps(pod), check=False
    )
    assert refused.returncode != 0 and "violates PodSecurity" in refused.stderr, refused


@pytest.mark.parametrize(
    "journey",
    [
        journeys.test_welcome_in_app_and_by_email,
        journeys.test_completing_a_task_congratulates_by_name,
        journeys.test_recommendations_put_the_overdue_urgent_task_first_with_history,
        journeys.test_a_poison_event_is_dead_lettered_the_topic_flows_on_and_replay_works,
    ],
    ids=lambda f: f.__name__.removeprefix("test_"),
)
def test_journey_through_the_backend_service(cluster_stack: ClusterStack, journey: object) -> None:
    assert callable(journey)
    journey(cluster_stack)


def test_backend_url_is_the_service_not_one_pod(cluster_stack: ClusterStack) -> None:
    services = cluster_stack.cluster.kubectl("-n", NAMESPACE, "get", "service", "backend-nodeport",
                                             "-o", "json")  # fmt: skip
    spec = json.loads(services.stdout)["spec"]
    assert spec["type"] == "NodePort" and spec["selector"] == {"app.kubernetes.io/name": "backend"}
    assert cluster_stack.endpoints["backend_url"].endswith(f":{spec['ports'][0]['nodePort']}")


def test_the_access_matrix_holds_through_the_injected_sidecars(
    cluster_stack: ClusterStack,
) -> None:
    """Every cell between the three apps, through the caller pod's sidecar, with the cluster
    sentry's mTLS identities: allowed → 2xx, anything else → the callee's sidecar says 403."""
    user_id = str(uuid.uuid4())
    values = {"user_id": user_id}
    served = {app_id: templates(app) for app_id, app in apps().items()}
    cells = sorted(
        ((caller, callee, verb, t) for caller in MATRIX.apps for callee in served
         if caller != callee for verb, t in served[callee]),
        key=lambda c: (not MATRIX.allowed(*c), c[3] != "/send"),  # /send first: an id to use
    )  # fmt: skip
    sidecars = {app_id: cluster_stack.sidecar(app_id) for app_id in MATRIX.apps}
    failures, allowed_cells = [], 0
    try:
        for caller, callee, verb, template in cells:
            allowed = MATRIX.allowed(caller, callee, verb, template)
            path = fill(template, values)
            answer = sidecars[caller].request(
                verb, f"/v1.0/invoke/{callee}/method{path}",
                json=body_for(callee, verb, template, user_id),
            )  # fmt: skip
            if allowed and template == "/send" and answer.is_success:
                values["notification_id"] = answer.json()["id"]
            allowed_cells += allowed
            if not (answer.is_success if allowed else _refused(answer)):
                failures.append(f"{caller} → {callee} {verb} {path}: {answer.status_code} "
                                f"{answer.text[:200]}")  # fmt: skip
    finally:
        for client in sidecars.values():
            client.close()
    assert allowed_cells == len(MATRIX.invocations) and len(cells) > 50, (allowed_cells, cells)
    assert not failures, "\n".join(failures)


def kubectl_env(cluster_stack: ClusterStack) -> dict[str, str]:
    """What a user's shell has after `export KUBECONFIG=.devcluster/kubeconfig`, kubectl on PATH."""
    path = f"{k8s_bin('kubectl').parent}:{os.environ['PATH']}"
    return {**os.environ, "KUBECONFIG": str(cluster_stack.cluster.kubeconfig), "PATH": path}


def ready_pods(cluster_stack: ClusterStack, app_id: str) -> dict[str, str]:
    """uid → name of the app's pods whose containers are all ready (not terminating)."""
    return {
        p["metadata"]["uid"]: p["metadata"]["name"]
        for p in cluster_stack.pods(app_id)
        if "deletionTimestamp" not in p["metadata"]
        and all(c["ready"] for c in p["status"].get("containerStatuses", [{"ready": False}]))
    }


def with_retries(call: Callable[[], httpx.Response], attempts: int = 20) -> httpx.Response:
    """A client's retry of a request that met a pod going away (connection refused or reset,
    or the sidecar's 5xx while its peer's pod ends)."""
    for _ in range(attempts - 1):
        try:
            answer = call()
        except httpx.TransportError:
            time.sleep(0.5)
            continue
        if answer.status_code < 500:
            return answer
        time.sleep(0.5)
    return call()


@pytest.mark.parametrize("app_id", REPLICAS)
def test_make_rollout_replaces_every_pod_and_the_journey_still_passes(
    cluster_stack: ClusterStack, app_id: str
) -> None:
    before = ready_pods(cluster_stack, app_id)
    # A client of backend_url meanwhile, a new connection per request: the Service, not a pod.
    # (Routes that cross to another app still see 503s while a callee's pods end: the
    # replicas issue.)
    url = cluster_stack.endpoints["backend_url"] + "/healthz"
    answers: list[int | str] = []
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            try:
                answers.append(httpx.get(url, timeout=5).status_code)
            except httpx.TransportError as exc:
                answers.append(repr(exc))
            time.sleep(0.05)

    thread = threading.Thread(target=client)
    thread.start()
    try:
        rollout = subprocess.run(
            ["make", "--no-print-directory", "rollout", f"SERVICE={app_id}"],
            cwd=repo_root(), env=kubectl_env(cluster_stack), capture_output=True, text=True,
        )  # fmt: skip
        time.sleep(6)  # the last old pod's preStop and shutdown
    finally:
        stop.set()
        thread.join()
    assert rollout.returncode == 0, rollout.stdout + rollout.stderr
    failed = [a for a in answers if a != 200]
    assert len(answers) > 50 and not failed, (len(answers), failed[:5])
    assert "successfully rolled out" in rollout.stdout, rollout.stdout
    after = journeys.eventually(
        lambda: (pods := ready_pods(cluster_stack, app_id)) and len(pods) == REPLICAS[app_id]
        and pods, f"{REPLICAS[app_id]} ready {app_id} pods", timeout=60,
    )  # fmt: skip
    assert not set(after) & set(before), "a pod of before the rollout is still serving"
    journeys.test_completing_a_task_congratulates_by_name(cluster_stack)


@pytest.mark.parametrize("app_id", REPLICAS)
def test_a_deleted_pod_is_replaced_and_events_meanwhile_are_all_handled(
    cluster_stack: ClusterStack, app_id: str
) -> None:
    tag = f"del-{app_id}"
    with cluster_stack.app("backend") as backend:
        _, auth = journeys.sign_up(backend)
        victim = sorted(ready_pods(cluster_stack, app_id).values())[0]
        cluster_stack.cluster.kubectl("-n", NAMESPACE, "delete", "pod", victim, "--wait=false")
        done = []
        for i in range(6):
            task = with_retries(
                lambda i=i: backend.post(
                    "/api/tasks", json={"title": f"{tag} {i}", "tags": [tag]}, headers=auth
                )
            )
            assert task.status_code == 201, task.text
            url = f"/api/tasks/{task.json()['id']}/complete"
            completed = with_retries(lambda url=url: backend.post(url, headers=auth))
            assert completed.status_code == 200, completed.text
            done.append(task.json()["id"])
        # notification-service: a task_completed notification for each
        journeys.eventually(
            lambda: {n["taskId"] for n in journeys.notifications(backend, auth)} >= set(done),
            "a notification for every task completed while the pod was replaced", timeout=90,
        )  # fmt: skip
        # ai-service: the completions reached the user's profile (an open task of the tag
        # is ranked with the habit as a reason)
        open_task = {"title": f"{tag} next", "tags": [tag]}
        opened = with_retries(lambda: backend.post("/api/tasks", json=open_task, headers=auth))
        assert opened.status_code == 201, opened.text

        def learned() -> bool:
            ranked = with_retries(
                lambda: backend.get("/api/me/recommendations", params={"limit": 10}, headers=auth)
            )
            return any(f"you often finish '{tag}' tasks" in i["reasons"]
                       for i in ranked.json()["items"])  # fmt: skip

        journeys.eventually(learned, "ai-service to learn the completions", timeout=90)
    replaced = journeys.eventually(
        lambda: (pods := ready_pods(cluster_stack, app_id)) and len(pods) == REPLICAS[app_id]
        and pods, f"{REPLICAS[app_id]} ready {app_id} pods again", timeout=120,
    )  # fmt: skip
    assert victim not in replaced.values()
