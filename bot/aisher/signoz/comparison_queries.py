"""SQL that compares a window with its baseline, and the slow traces of a service, as pure
builders (see `queries` for the rules every builder follows: bound parameters only, the
`ts_bucket_start` bounds beside the `timestamp` ones, GLOBAL subqueries on a cluster).

A baseline is a list of separate segments (the stretch before the window, the same time
yesterday). Every segment gets its own bounded time filter, prefixed `g<i>_` (the window is
`g0_`), so ClickHouse prunes to exactly those stretches instead of scanning the day between.
"""

from __future__ import annotations

from collections.abc import Sequence

from aisher.signoz.dialect import SpanColumns
from aisher.signoz.queries import (
    EXCEPTION_SLACK_NS,
    Sql,
    span_time_filter,
    window_params,
)
from aisher.signoz.span_conditions import failure_sql, grpc_code_sql, instance_sql
from aisher.window import TimeWindow

MAX_OPERATIONS = 10_000
MAX_SIGNATURES = 5_000
MAX_INSTANCES = 5_000


def _prefixes(baseline: Sequence[TimeWindow]) -> list[str]:
    return [f"g{index}_" for index in range(len(baseline) + 1)]


def segment_params(window: TimeWindow, baseline: Sequence[TimeWindow]) -> dict[str, int]:
    """Bounds of the window (`g0_`) and of every baseline segment (`g1_`, `g2_`, …)."""
    params: dict[str, int] = {}
    for prefix, segment in zip(_prefixes(baseline), (window, *baseline), strict=True):
        params.update(window_params(segment, prefix))
        params[f"{prefix}exceptions_end_ns"] = segment.end_ns + EXCEPTION_SLACK_NS
    return params


def _within(prefix: str, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    return (
        f"{a}timestamp >= fromUnixTimestamp64Nano({{{prefix}start_ns:Int64}})"
        f" AND {a}timestamp < fromUnixTimestamp64Nano({{{prefix}end_ns:Int64}})"
    )


def _any_segment(columns: SpanColumns, prefixes: Sequence[str], alias: str = "") -> str:
    return "(" + " OR ".join(f"({span_time_filter(columns, alias, p)})" for p in prefixes) + ")"


def _per_segment(prefixes: Sequence[str], condition: str = "", alias: str = "") -> str:
    """An array of counts, one per baseline segment (the window, `g0_`, is left out)."""
    extra = f" AND {condition}" if condition else ""
    return "[" + ", ".join(f"countIf({_within(p, alias)}{extra})" for p in prefixes[1:]) + "]"


def operation_stats(
    spans_table: str,
    columns: SpanColumns,
    *,
    window: TimeWindow,
    baseline: Sequence[TimeWindow],
) -> Sql:
    """Per (service, operation): spans, failing spans and p50/p95 duration, in the window and
    in the baseline (counts per segment, percentiles over all segments together)."""
    if not baseline:
        raise ValueError("operation_stats needs at least one baseline segment")
    c, prefixes = columns, _prefixes(baseline)
    in_window, failing = _within(prefixes[0]), failure_sql(c)
    duration = f"toFloat64({c.duration})"
    text = (
        f"SELECT {c.service_of()} AS service, name AS operation,"
        f" countIf({in_window}) AS spans,"
        f" countIf({in_window} AND {failing}) AS errors,"
        f" quantilesIf(0.5, 0.95)({duration}, {in_window}) AS window_quantiles,"
        f" quantilesIf(0.5, 0.95)({duration}, NOT ({in_window})) AS baseline_quantiles,"
        f" {_per_segment(prefixes)} AS baseline_spans,"
        f" {_per_segment(prefixes, failing)} AS baseline_errors"
        f" FROM {spans_table} WHERE {_any_segment(c, prefixes)} AND service != ''"
        " GROUP BY service, operation ORDER BY spans DESC, service, operation"
        f" LIMIT {MAX_OPERATIONS}"
    )
    return Sql(text, segment_params(window, baseline))


def error_signatures(
    spans_table: str,
    errors_table: str | None,
    columns: SpanColumns,
    *,
    window: TimeWindow,
    baseline: Sequence[TimeWindow],
    distributed: bool = False,
) -> Sql:
    """Failing spans by service, operation and raw failure texts, counted in the window and in
    each baseline segment; most frequent first.

    Each span's failure is its escaped exception (else its latest one) from the error index,
    or what its status, attributes and response code say, as the analysis reads a span.
    """
    if not baseline:
        raise ValueError("error_signatures needs at least one baseline segment")
    c, prefixes = columns, _prefixes(baseline)
    exception_type, exception_message, join = "''", "''", ""
    if errors_table:
        exception_type, exception_message = "e.exception_type", "e.exception_message"
        periods = " OR ".join(
            f"(timestamp >= fromUnixTimestamp64Nano({{{p}start_ns:Int64}})"
            f" AND timestamp < fromUnixTimestamp64Nano({{{p}exceptions_end_ns:Int64}}))"
            for p in prefixes
        )
        latest = "(exceptionEscaped, timestamp)"
        join = (
            f" {'GLOBAL ' if distributed else ''}LEFT JOIN (SELECT traceID, spanID,"
            f" argMax(exceptionType, {latest}) AS exception_type,"
            f" argMax(exceptionMessage, {latest}) AS exception_message"
            f" FROM {errors_table} WHERE {periods} GROUP BY traceID, spanID) AS e"
            f" ON s.{c.trace_id} = e.traceID AND s.{c.span_id} = e.spanID"
        )
    text = (
        f"SELECT {c.service_of('s')} AS service, s.name AS operation, s.{c.kind} AS span_kind,"
        f" {exception_type} AS exception_type, {exception_message} AS exception_message,"
        f" s.{c.status_message} AS status_message, s.{c.http_status} AS http_status,"
        f" s.{c.attributes}['error.type'] AS error_type,"
        f" s.{c.attributes}['exception.type'] AS exception_attribute,"
        f" toString({grpc_code_sql(c, 's')}) AS grpc_code,"
        f" countIf({_within(prefixes[0], 's')}) AS window_count,"
        f" {_per_segment(prefixes, alias='s')} AS baseline_counts"
        f" FROM {spans_table} AS s{join}"
        f" WHERE {_any_segment(c, prefixes, 's')} AND {failure_sql(c, 's')}"
        " GROUP BY service, operation, span_kind, exception_type, exception_message,"
        " status_message, http_status, error_type, exception_attribute, grpc_code"
        " ORDER BY window_count + arraySum(baseline_counts) DESC, service, operation"
        f" LIMIT {MAX_SIGNATURES}"
    )
    return Sql(text, segment_params(window, baseline))


def instance_stats(spans_table: str, columns: SpanColumns, *, window: TimeWindow) -> Sql:
    """Spans and failing spans per (service, instance) in the window."""
    c = columns
    text = (
        f"SELECT {c.service_of()} AS service, {instance_sql(c)} AS instance,"
        f" count() AS spans, countIf({failure_sql(c)}) AS errors"
        f" FROM {spans_table} WHERE {span_time_filter(c)} AND service != ''"
        " GROUP BY service, instance HAVING instance != ''"
        f" ORDER BY errors DESC, spans DESC, service, instance LIMIT {MAX_INSTANCES}"
    )
    return Sql(text, window_params(window))
