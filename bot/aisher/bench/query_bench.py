"""The error-window query on 1,000,000 spans in the embedded engine (target: ≤ 300 ms median)."""

from __future__ import annotations

import time
from datetime import timedelta

from aisher.bench.bulk import TARGET_SERVICE, generate_spans
from aisher.bench.results import BenchResult, median_ms, median_seconds
from aisher.config import QueryLimits
from aisher.signoz import queries
from aisher.signoz.dialect import span_columns
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.probe import probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.window import TimeWindow, datetime_from_ns

QUERY_TARGET_MS = 300.0


async def bench_queries(
    executor: QueryExecutor, traces_db: str, logs_db: str, *, spans: int, repeats: int
) -> BenchResult:
    result = BenchResult("error_window_query")
    now_ns = time.time_ns()
    started = time.perf_counter()
    await generate_spans(executor, traces_db, spans, now_ns // 1_000_000_000)
    result.details["generated_spans"] = spans
    result.details["generation_s"] = round(time.perf_counter() - started, 2)
    schema = await probe_schema(executor, traces_db, logs_db)
    repository = SignozRepository(executor, schema, QueryLimits())
    window = TimeWindow.ending_at(datetime_from_ns(now_ns), timedelta(minutes=30))
    golden = queries.failing_trace_spans(
        schema.spans_table,
        schema.errors_table,
        span_columns(schema.trace_schema),
        service=TARGET_SERVICE,
        window=window,
        max_traces=QueryLimits().max_traces,
    )

    async def run_sql() -> object:
        return await executor.query(golden.text, golden.params)

    sql_times = await median_seconds(run_sql, repeats)
    result.add(
        f"error-window query, {spans:,} spans (SQL, median)",
        median_ms(sql_times),
        "ms",
        target=QUERY_TARGET_MS,
    )
    record_times = await median_seconds(
        lambda: repository.failing_traces(TARGET_SERVICE, window), repeats
    )
    result.add(
        "error-window query incl. building span records (median)", median_ms(record_times), "ms"
    )
    failing = await repository.failing_traces(TARGET_SERVICE, window)
    result.details["failing_traces"] = len(failing.trace_ids)
    result.details["spans_returned"] = len(failing.spans)
    for name, query in (
        ("service stats, window + baseline", lambda: repository.service_stats(window)),
        ("call edges", lambda: repository.call_edges(window)),
        ("version history", lambda: repository.version_history(window)),
    ):
        result.add(f"{name} (median)", median_ms(await median_seconds(query, repeats)), "ms")
    return result
