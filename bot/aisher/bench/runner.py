"""`aisher bench`: run the benchmarks in a private embedded store and print their figures.

Wall times on shared machines are noisy; compare ratios and figures from the same run.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aisher import __version__
from aisher.bench.accuracy_bench import bench_accuracy
from aisher.bench.import_bench import bench_import
from aisher.bench.masking_bench import run_masking_bench
from aisher.bench.query_bench import bench_queries
from aisher.bench.results import BenchResult
from aisher.bench.slack_bench import SlackSizes, bench_slack
from aisher.bench.stores import bench_settings
from aisher.bench.storm_bench import bench_storm
from aisher.bench.token_bench import bench_tokens
from aisher.config import Settings
from aisher.errors import InputError
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.store import open_store
from aisher.window import iso


@dataclass(frozen=True, slots=True)
class Sizes:
    query_spans: int
    query_repeats: int
    import_incidents: int
    token_spans: int
    compaction_spans: int
    compaction_repeats: int
    accuracy_incidents: int
    storm_incidents: int
    storm_repeats: int
    slack: SlackSizes
    masking_spans: int
    masking_repeats: int


FULL = Sizes(1_000_000, 15, 6, 1000, 10_000, 7, 30, 4, 8, SlackSizes(1_000_000, 200, 4, 5), 3000, 5)
QUICK = Sizes(100_000, 5, 1, 1000, 2000, 3, 5, 1, 8, SlackSizes(10_000, 30, 2, 2), 300, 1)

Bench = Callable[[QueryExecutor, Sizes, Settings], Awaitable[BenchResult]]


async def _query(executor: QueryExecutor, sizes: Sizes, settings: Settings) -> BenchResult:
    return await bench_queries(
        executor, "bench_traces", "bench_logs", spans=sizes.query_spans, repeats=sizes.query_repeats
    )


async def _import(executor: QueryExecutor, sizes: Sizes, settings: Settings) -> BenchResult:
    return await bench_import(executor, incidents=sizes.import_incidents)


async def _tokens(executor: QueryExecutor, sizes: Sizes, settings: Settings) -> BenchResult:
    return bench_tokens(
        spans=sizes.token_spans, large=sizes.compaction_spans, repeats=sizes.compaction_repeats
    )


async def _accuracy(executor: QueryExecutor, sizes: Sizes, settings: Settings) -> BenchResult:
    return await bench_accuracy(executor, incidents=sizes.accuracy_incidents, seed=1)


async def _storm(executor: QueryExecutor, sizes: Sizes, settings: Settings) -> BenchResult:
    return await bench_storm(
        executor,
        incidents=sizes.storm_incidents,
        repeats=sizes.storm_repeats,
        redis_url=settings.cache.redis_url,
    )


async def _slack(executor: QueryExecutor, sizes: Sizes, settings: Settings) -> BenchResult:
    return await bench_slack(executor, settings, sizes.slack)


async def _masking(executor: QueryExecutor, sizes: Sizes, settings: Settings) -> BenchResult:
    return await run_masking_bench(sizes.masking_spans, sizes.masking_repeats)


BENCHES: dict[str, Bench] = {
    "query": _query,
    "import": _import,
    "tokens": _tokens,
    "masking": _masking,
    "accuracy": _accuracy,
    "storm": _storm,
    "slack": _slack,
}


async def run_bench(
    settings: Settings, *, as_json: bool, quick: bool, only: Sequence[str] | None
) -> int:
    names = list(only or BENCHES)
    unknown = [name for name in names if name not in BENCHES]
    if unknown:
        raise InputError(
            f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}"
        )
    sizes = QUICK if quick else FULL
    directory = tempfile.mkdtemp(prefix="aisher-bench-")
    results: list[BenchResult] = []
    try:
        executor = await open_store(bench_settings(directory))
        try:
            for name in names:
                result = await BENCHES[name](executor, sizes, settings)
                results.append(result)
                if not as_json:
                    print(render_result(result), flush=True)
        finally:
            await executor.close()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    if as_json:
        print(json.dumps(bench_document(results, quick), indent=2))
    return 0


def bench_document(results: Sequence[BenchResult], quick: bool) -> dict[str, object]:
    return {
        "aisher": __version__,
        "run_at": iso(datetime.now(UTC)),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "sizes": "quick" if quick else "full",
        "benchmarks": [result.to_dict() for result in results],
    }


def render_result(result: BenchResult) -> str:
    lines = [result.name]
    for figure in result.figures:
        value = f"{figure.value:,.4g}" if figure.unit == "ratio" else f"{figure.value:,.1f}"
        target = ""
        if figure.target is not None:
            sign = "≥" if figure.higher_is_better else "≤"
            verdict = "meets" if figure.meets_target else "MISSES"
            target = f"   target {sign} {figure.target:g}: {verdict}"
        lines.append(f"  {figure.name}: {value} {figure.unit}{target}")
    for key, detail in result.details.items():
        lines.append(f"    {key}: {detail}")
    return "\n".join(lines) + "\n"
