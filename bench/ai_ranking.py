"""ai-service's ranking in-process: 1,000 open tasks with a 500-completion history.

Goal (issue #5): under 20 ms. Measures `rank()` (scores, reasons, sort) including the
profile summary, the way `POST /get-recommendations` runs them, over many repetitions.
Run with `make bench`. Writes bench/results/ai_ranking.json and .md.
"""

import json
import platform
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ai_service.domain import profile
from ai_service.domain.ranking import OpenTask, rank

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TAGS = ["work", "home", "health", "errands", "study", "family", "money", "garden"]


def workload(n_tasks: int, n_done: int, seed: int = 7) -> tuple[list[OpenTask], profile.History]:
    rnd = random.Random(seed)
    p = None
    for i in range(n_done):
        done = NOW - timedelta(minutes=rnd.randrange(1, 60 * 24 * 120))
        facts = profile.announced(
            None,
            tags=rnd.sample(TAGS, rnd.randrange(0, 3)),
            priority="medium",
            due_at=done + timedelta(hours=rnd.randrange(-48, 48)),
            changed_at=done - timedelta(days=1),
        )
        p = profile.recorded(p, task_id=f"d{i}", facts=profile.completed(facts, completed_at=done))
    tasks = [
        OpenTask(
            id=f"t{i}",
            title=f"task {i}",
            priority=rnd.choice(["low", "medium", "high", "urgent"]),
            due_at=NOW + timedelta(minutes=rnd.randrange(-60 * 24 * 10, 60 * 24 * 30))
            if rnd.random() < 0.7
            else None,
            created_at=NOW - timedelta(minutes=rnd.randrange(0, 60 * 24 * 60)),
            tags=tuple(rnd.sample(TAGS, rnd.randrange(0, 3))),
        )
        for i in range(n_tasks)
    ]
    assert p is not None
    return tasks, p


def measure(n_tasks: int, repeats: int) -> dict[str, float]:
    tasks, stored = workload(n_tasks, profile.MAX_DONE)
    timings = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        history = profile.summarize(stored, "Europe/Paris")
        ranked = rank(tasks, NOW, 10, history, "Europe/Paris")
        timings.append((time.perf_counter() - t0) * 1000)
        assert len(ranked) == 10
    timings.sort()
    return {
        "tasks": n_tasks,
        "history": profile.MAX_DONE,
        "repeats": repeats,
        "p50_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[int(len(timings) * 0.99) - 1], 3),
        "max_ms": round(timings[-1], 3),
    }


def main() -> None:
    rows = [measure(n, 300) for n in (100, 1000, 5000)]
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "goal": "1,000 open tasks ranked in under 20 ms in-process",
        "rows": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ai_ranking.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        f"# ai-service ranking, in-process ({result['date']}, {result['machine']})",
        "",
        "| open tasks | history (completions) | p50 | p99 | max |",
        "|---|---|---|---|---|",
        *(
            f"| {r['tasks']} | {r['history']} | {r['p50_ms']} ms | {r['p99_ms']} ms | {r['max_ms']} ms |"
            for r in rows
        ),
        "",
        "Goal: 1,000 tasks under 20 ms. `make bench` (bench/ai_ranking.py).",
    ]
    (RESULTS / "ai_ranking.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
