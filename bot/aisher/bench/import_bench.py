"""Rows per second of `aisher load`: generated incidents written to a file and imported."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from aisher.bench.results import BenchResult
from aisher.bench.stores import create_databases
from aisher.demo import generate_scenario, scenario_suite
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.loader import load_files


async def bench_import(executor: QueryExecutor, *, incidents: int) -> BenchResult:
    result = BenchResult("otlp_import")
    now_ns = time.time_ns()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "incidents.jsonl"
        with path.open("w", encoding="utf-8") as handle:
            for spec in scenario_suite(count=incidents, seed=5):
                handle.write(generate_scenario(spec, now_ns=now_ns).jsonl)
        size = path.stat().st_size
        traces_db, logs_db = await create_databases(executor, "imp")
        report = await load_files(executor, [path], traces_db=traces_db, logs_db=logs_db)
    result.add("OTLP/JSON import into the embedded store", report.rows_per_second(), "rows/s",
               higher_is_better=True)  # fmt: skip
    result.add("OTLP/JSON import throughput", size / report.elapsed_s / 1e6, "MB/s",
               higher_is_better=True)  # fmt: skip
    result.details.update(
        documents=report.lines, rows=dict(report.rows), file_mb=round(size / 1e6, 1),
        seconds=round(report.elapsed_s, 2), problems=report.problem_count,
    )  # fmt: skip
    return result
