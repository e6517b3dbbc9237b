"""Sidecar clients side by side: state get, state save and publish on a real sidecar.

Variants, each on the same sidecar of one stack started for the run:
  dapr_common        the project's client (one pooled httpx.AsyncClient)
  per-call client    a new httpx.AsyncClient per request (the pattern this project replaces)
  sdk grpc           the official SDK's async gRPC client (dapr.aio.clients.DaprClient)
  raw httpx pooled   hand-written calls on one pooled httpx.AsyncClient (the HTTP floor)

Run with `make bench`. Writes bench/results/dapr_common.json and .md, and the table into
libs/dapr_common/README.md.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from dapr_common import DaprClient, DaprSettings
from devstack.stack import Stack

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "libs" / "dapr_common" / "README.md"
START, END = "<!-- bench:dapr_common:start -->", "<!-- bench:dapr_common:end -->"

Op = Callable[[int], Awaitable[Any]]


async def measure(op: Op, total: int, concurrency: int) -> dict[str, float]:
    """Run `op(i)` for i < total with `concurrency` workers; ops/s and latency percentiles."""
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100)
    return {"ops_per_s": total / wall, "p50_ms": q[49] * 1000, "p99_ms": q[98] * 1000}


async def variants(endpoints: dict[str, Any], prefix: str) -> dict[str, dict[str, Op]]:
    app = endpoints["apps"]["backend"]
    token = app["dapr_api_token"]
    base = app["dapr_http"]
    headers = {"dapr-api-token": token}
    payload = {"id": 1, "title": "benchmark task", "tags": ["a", "b"], "priority": "high"}
    body = json.dumps(payload)
    topic = f"{prefix}.bench"

    dapr = DaprClient(DaprSettings(dapr_http_endpoint=base, dapr_api_token=token))  # type: ignore[arg-type]
    pooled = httpx.AsyncClient(base_url=base, headers=headers, timeout=10)

    # The SDK reads its settings from the environment when first imported, and its
    # constructor waits on the sidecar's HTTP health endpoint.
    os.environ["DAPR_API_TOKEN"] = token
    os.environ["DAPR_HTTP_ENDPOINT"] = base
    from dapr.aio.clients import DaprClient as SdkClient

    sdk = SdkClient(address=endpoints["apps"]["backend"]["dapr_grpc"])

    async def per_call(method: str, path: str, **kw: Any) -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as c:
            (await c.request(method, path, **kw)).raise_for_status()

    async def raw(method: str, path: str, **kw: Any) -> None:
        (await pooled.request(method, path, **kw)).raise_for_status()

    key = lambda i: f"{prefix}-{i % 100}"  # noqa: E731
    for i in range(100):
        await dapr.state.save(key(i), payload)
    return {
        "dapr_common": {
            "state get": lambda i: dapr.state.get(key(i)),
            "state save": lambda i: dapr.state.save(key(i), payload),
            "publish": lambda i: dapr.pubsub.publish(topic, payload),
        },
        "per-call client": {
            "state get": lambda i: per_call("GET", f"/v1.0/state/statestore/{key(i)}"),
            "state save": lambda i: per_call(
                "POST", "/v1.0/state/statestore", json=[{"key": key(i), "value": payload}]
            ),
            "publish": lambda i: per_call("POST", f"/v1.0/publish/pubsub/{topic}", json=payload),
        },
        "sdk grpc": {
            "state get": lambda i: sdk.get_state("statestore", key(i)),
            "state save": lambda i: sdk.save_state("statestore", key(i), body),
            "publish": lambda i: sdk.publish_event(
                "pubsub", topic, body, data_content_type="application/json"
            ),
        },
        "raw httpx pooled": {
            "state get": lambda i: raw("GET", f"/v1.0/state/statestore/{key(i)}"),
            "state save": lambda i: raw(
                "POST", "/v1.0/state/statestore", json=[{"key": key(i), "value": payload}]
            ),
            "publish": lambda i: raw("POST", f"/v1.0/publish/pubsub/{topic}", json=payload),
        },
    }


async def run(
    endpoints: dict[str, Any], total: int, concurrency: int, rounds: int
) -> dict[str, Any]:
    table = await variants(endpoints, f"bench-{uuid.uuid4().hex[:6]}")
    ops = ["state get", "state save", "publish"]
    results: dict[str, dict[str, dict[str, float]]] = {v: {} for v in table}
    for op in ops:
        runs: dict[str, list[dict[str, float]]] = {v: [] for v in table}
        for _ in range(rounds):  # interleaved rounds, so drift hits every variant alike
            for variant, fns in table.items():
                await measure(fns[op], max(total // 10, 50), concurrency)  # warm-up
                runs[variant].append(await measure(fns[op], total, concurrency))
        for variant, rs in runs.items():
            results[variant][op] = sorted(rs, key=lambda r: r["ops_per_s"])[len(rs) // 2]
            print(
                f"{op:<10} {variant:<18} {results[variant][op]['ops_per_s']:8.0f} ops/s", flush=True
            )
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "workload": {"ops_per_run": total, "concurrency": concurrency, "rounds": rounds},
        "results": results,
        "ratios": ratios(results),
    }


def ratios(results: dict[str, dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    out = {}
    for op in results["dapr_common"]:
        ours = results["dapr_common"][op]["ops_per_s"]
        best = max(
            results["sdk grpc"][op]["ops_per_s"], results["raw httpx pooled"][op]["ops_per_s"]
        )
        out[op] = {
            "vs_best_of_sdk_and_raw": ours / best,
            "vs_per_call_client": ours / results["per-call client"][op]["ops_per_s"],
        }
    return out


def markdown(report: dict[str, Any]) -> str:
    w = report["workload"]
    lines = [
        f"Measured {report['date']} on {report['machine']}; {w['ops_per_run']} ops per run, "
        f"concurrency {w['concurrency']}, median of {w['rounds']} interleaved rounds; "
        "one daprd 1.18 with Redis and Kafka on loopback (`make bench`).",
        "",
        "| operation | client | ops/s | p50 ms | p99 ms |",
        "|---|---|---:|---:|---:|",
    ]
    for op in report["ratios"]:
        for variant, by_op in report["results"].items():
            r = by_op[op]
            lines.append(
                f"| {op} | {variant} | {r['ops_per_s']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} |"
            )
    lines += [
        "",
        "| operation | dapr_common ÷ best of (sdk grpc, raw httpx) | dapr_common ÷ per-call client |",
        "|---|---:|---:|",
    ]
    for op, r in report["ratios"].items():
        lines.append(
            f"| {op} | {r['vs_best_of_sdk_and_raw']:.2f} | {r['vs_per_call_client']:.1f}× |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--run-dir", type=Path, default=None, help="use the stack already up in this run directory"
    )
    args = parser.parse_args()
    own = args.run_dir is None
    run_dir = args.run_dir or ROOT / ".devstack-bench"
    cli = [sys.executable, "-m", "devstack.cli", "--run-dir", str(run_dir)]
    if own:
        subprocess.run([*cli, "down"], capture_output=True, check=False)
        subprocess.run([*cli, "up", "--free-ports"], check=True)
    try:
        endpoints = Stack.load(run_dir).endpoints()
        report = asyncio.run(run(endpoints, args.ops, args.concurrency, args.rounds))
    finally:
        if own:
            subprocess.run([*cli, "down"], capture_output=True, check=False)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dapr_common.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / "dapr_common.md").write_text(table)
    if README.exists() and START in README.read_text():
        text = README.read_text()
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        README.write_text(f"{head}{START}\n{table}{END}{tail}")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
