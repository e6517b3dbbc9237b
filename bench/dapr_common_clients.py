"""Sidecar clients side by side: state get, state save and publish on a real sidecar.

Variants, each on the same sidecar of one stack started for the run:
  dapr_common        the project's client (one pooled aiohttp.ClientSession)
  per-call session   a new aiohttp.ClientSession per request  } the pattern this project
  per-call httpx     a new httpx.AsyncClient per request      } replaces
  sdk grpc           the official SDK's async gRPC client (dapr.aio.clients.DaprClient)
  raw httpx pooled   hand-written calls on one pooled httpx.AsyncClient
  raw aiohttp pooled hand-written calls on one pooled aiohttp.ClientSession (dapr_common's
                     transport without dapr_common: its own overhead is the difference)
  httpx on aiohttp   hand-written calls on one pooled httpx.AsyncClient over aiohttp
                     (httpx-aiohttp): httpx's API without its pool, the candidate to put
                     dapr_common on (issue: within 10 % of raw aiohttp pooled, or not)

Run with `make bench`. Writes bench/results/dapr_common.json and .md, and the table into
libs/dapr_common/README.md.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import HttpxAiohttpClient
from own_stack import bench_stack

from dapr_common import DaprClient, DaprSettings

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
README = ROOT / "libs" / "dapr_common" / "README.md"
START, END = "<!-- bench:dapr_common:start -->", "<!-- bench:dapr_common:end -->"

Op = Callable[[int], Awaitable[Any]]


async def measure(op: Op, seconds: float, concurrency: int) -> dict[str, float]:
    """Run `op` for `seconds` with `concurrency` workers; ops/s and latency percentiles."""
    latencies: list[float] = []
    counter = iter(range(10**9))
    start = time.perf_counter()
    stop = start + seconds

    async def worker() -> None:
        for i in counter:
            t0 = time.perf_counter()
            if t0 >= stop:
                return
            await op(i)
            latencies.append(time.perf_counter() - t0)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100)
    return {
        "ops": len(latencies),
        "ops_per_s": len(latencies) / wall,
        "p50_ms": q[49] * 1000,
        "p99_ms": q[98] * 1000,
    }


async def variants(
    endpoints: dict[str, Any], prefix: str
) -> tuple[dict[str, dict[str, Op]], Callable[[], Awaitable[None]]]:
    app = endpoints["apps"]["backend"]
    token = app["dapr_api_token"]
    base = app["dapr_http"]
    headers = {"dapr-api-token": token}
    payload = {"id": 1, "title": "benchmark task", "tags": ["a", "b"], "priority": "high"}
    body = json.dumps(payload)
    topic = f"{prefix}.bench"

    dapr = DaprClient(DaprSettings(dapr_http_endpoint=base, dapr_api_token=token))  # type: ignore[arg-type]
    pooled = httpx.AsyncClient(base_url=base, headers=headers, timeout=10)
    on_aiohttp = HttpxAiohttpClient(base_url=base, headers=headers, timeout=10)

    # The SDK reads its settings from the environment when first imported, and its
    # constructor waits on the sidecar's HTTP health endpoint.
    os.environ["DAPR_API_TOKEN"] = token
    os.environ["DAPR_HTTP_ENDPOINT"] = base
    from dapr.aio.clients import DaprClient as SdkClient

    sdk = SdkClient(address=endpoints["apps"]["backend"]["dapr_grpc"])

    async def per_call_httpx(method: str, path: str, **kw: Any) -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as c:
            (await c.request(method, path, **kw)).raise_for_status()

    async def per_call(method: str, path: str, **kw: Any) -> None:
        async with (
            aiohttp.ClientSession(base_url=base, headers=headers) as session,
            session.request(method, path, **kw) as response,
        ):
            response.raise_for_status()
            await response.read()

    session = aiohttp.ClientSession(base_url=base, headers=headers)

    async def raw_aiohttp(method: str, path: str, **kw: Any) -> None:
        async with session.request(method, path, **kw) as response:
            response.raise_for_status()
            await response.read()

    async def raw(method: str, path: str, **kw: Any) -> None:
        (await pooled.request(method, path, **kw)).raise_for_status()

    async def httpx_on_aiohttp(method: str, path: str, **kw: Any) -> None:
        (await on_aiohttp.request(method, path, **kw)).raise_for_status()

    key = lambda i: f"{prefix}-{i % 100}"  # noqa: E731
    for i in range(100):
        await dapr.state.save(key(i), payload)
    # The first publishes create the topic and elect its leader: keep that out of the runs.
    for _ in range(300):
        await dapr.pubsub.publish(topic, payload)

    async def close() -> None:
        await dapr.aclose()
        await pooled.aclose()
        await on_aiohttp.aclose()
        await session.close()
        await sdk.close()

    table: dict[str, dict[str, Op]] = {
        "dapr_common": {
            "state get": lambda i: dapr.state.get(key(i)),
            "state save": lambda i: dapr.state.save(key(i), payload),
            "publish": lambda i: dapr.pubsub.publish(topic, payload),
        },
        "per-call httpx": {
            "state get": lambda i: per_call_httpx("GET", f"/v1.0/state/statestore/{key(i)}"),
            "state save": lambda i: per_call_httpx(
                "POST", "/v1.0/state/statestore", json=[{"key": key(i), "value": payload}]
            ),
            "publish": lambda i: per_call_httpx(
                "POST", f"/v1.0/publish/pubsub/{topic}", json=payload
            ),
        },
        "per-call session": {
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
        "raw aiohttp pooled": {
            "state get": lambda i: raw_aiohttp("GET", f"/v1.0/state/statestore/{key(i)}"),
            "state save": lambda i: raw_aiohttp(
                "POST", "/v1.0/state/statestore", json=[{"key": key(i), "value": payload}]
            ),
            "publish": lambda i: raw_aiohttp("POST", f"/v1.0/publish/pubsub/{topic}", json=payload),
        },
        "raw httpx pooled": {
            "state get": lambda i: raw("GET", f"/v1.0/state/statestore/{key(i)}"),
            "state save": lambda i: raw(
                "POST", "/v1.0/state/statestore", json=[{"key": key(i), "value": payload}]
            ),
            "publish": lambda i: raw("POST", f"/v1.0/publish/pubsub/{topic}", json=payload),
        },
        "httpx on aiohttp": {
            "state get": lambda i: httpx_on_aiohttp("GET", f"/v1.0/state/statestore/{key(i)}"),
            "state save": lambda i: httpx_on_aiohttp(
                "POST", "/v1.0/state/statestore", json=[{"key": key(i), "value": payload}]
            ),
            "publish": lambda i: httpx_on_aiohttp(
                "POST", f"/v1.0/publish/pubsub/{topic}", json=payload
            ),
        },
    }
    return table, close


async def run(
    endpoints: dict[str, Any], seconds: float, concurrency: int, rounds: int
) -> dict[str, Any]:
    table, close = await variants(endpoints, f"bench-{uuid.uuid4().hex[:6]}")
    ops = ["state get", "state save", "publish"]
    results: dict[str, dict[str, dict[str, float]]] = {v: {} for v in table}
    for op in ops:
        runs: dict[str, list[dict[str, float]]] = {v: [] for v in table}
        names = list(table)
        for r in range(rounds):  # interleaved rounds in rotated order: drift hits all alike
            for variant in names[r % len(names) :] + names[: r % len(names)]:
                fns = table[variant]
                await measure(fns[op], 0.5, concurrency)  # warm-up
                runs[variant].append(await measure(fns[op], seconds, concurrency))
        for variant, rs in runs.items():
            results[variant][op] = sorted(rs, key=lambda r: r["ops_per_s"])[len(rs) // 2]
            print(
                f"{op:<10} {variant:<18} {results[variant][op]['ops_per_s']:8.0f} ops/s", flush=True
            )
    await close()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "workload": {"seconds_per_run": seconds, "concurrency": concurrency, "rounds": rounds},
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
            "vs_per_call_session": ours / results["per-call session"][op]["ops_per_s"],
            "vs_per_call_httpx": ours / results["per-call httpx"][op]["ops_per_s"],
            # The httpx decision: httpx's API over aiohttp against aiohttp itself.
            "httpx_on_aiohttp_vs_raw_aiohttp": results["httpx on aiohttp"][op]["ops_per_s"]
            / results["raw aiohttp pooled"][op]["ops_per_s"],
        }
    return out


def markdown(report: dict[str, Any]) -> str:
    w = report["workload"]
    lines = [
        f"Measured {report['date']} on {report['machine']}; {w['seconds_per_run']} s per run, "
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
        "| operation | dapr_common ÷ best of (sdk grpc, raw httpx) | ÷ per-call session | ÷ per-call httpx | httpx on aiohttp ÷ raw aiohttp |",
        "|---|---:|---:|---:|---:|",
    ]
    for op, r in report["ratios"].items():
        lines.append(
            f"| {op} | {r['vs_best_of_sdk_and_raw']:.2f} | {r['vs_per_call_session']:.1f}× "
            f"| {r['vs_per_call_httpx']:.1f}× | {r['httpx_on_aiohttp_vs_raw_aiohttp']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one measured run")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--run-dir", type=Path, default=None, help="use the stack already up in this run directory"
    )
    args = parser.parse_args()
    with bench_stack(args.run_dir) as stack:
        endpoints = stack.endpoints()
        report = asyncio.run(run(endpoints, args.seconds, args.concurrency, args.rounds))
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
