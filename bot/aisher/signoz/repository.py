"""Read SigNoz telemetry for an analysis: runs `queries` through an executor, returns records."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Protocol

from aisher.config import QueryLimits
from aisher.errors import DataSourceError
from aisher.ops.analysis_meter import time_query
from aisher.ops.metrics import AisherMetrics
from aisher.signoz import comparison_queries, queries
from aisher.signoz.comparisons import (
    ErrorSignature,
    InstanceStats,
    OperationStats,
    error_signatures_from_rows,
    instance_stats_from_rows,
    operation_stats_from_rows,
)
from aisher.signoz.dialect import log_columns_for, span_columns_for
from aisher.signoz.executor import QueryExecutor, QueryRows
from aisher.signoz.json_columns import flatten_json_object
from aisher.signoz.probe import SchemaInfo
from aisher.signoz.stored_records import (
    StoredBatch,
    fold_exception_rows,
    row_body,
    stored_log_from_row,
    stored_spans_from_rows,
)
from aisher.telemetry import (
    RESOURCE_ATTRIBUTE_KEYS,
    CallEdge,
    ExceptionRecord,
    GroupHistory,
    LogRecord,
    ServiceStats,
    SpanRecord,
    VersionSeen,
)
from aisher.window import NS_PER_S, TimeWindow

GROUP_HISTORY_DAYS = 7
# When a trace has no summary row, look this far around the hint for its spans.
TRACE_SEARCH_MARGIN = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FailingTraces:
    """Spans of the failing traces that involve a service, bounded by the query limits."""

    spans: tuple[SpanRecord, ...]
    trace_ids: tuple[str, ...]
    truncated: bool


class QueryObserver(Protocol):
    """Sees each query the repository runs, with its result (`aisher capture` records what an
    analysis reads this way)."""

    def observed(self, name: str, sql: queries.Sql, result: QueryRows) -> None: ...


class SignozRepository:
    """The questions the analysis asks of SigNoz, answered with plain records."""

    def __init__(
        self,
        executor: QueryExecutor,
        schema: SchemaInfo,
        limits: QueryLimits,
        *,
        metrics: AisherMetrics | None = None,
        observer: QueryObserver | None = None,
    ) -> None:
        self._executor = executor
        self._schema = schema
        self._limits = limits
        self._metrics = metrics or AisherMetrics()
        self._observer = observer
        self._spans = span_columns_for(schema)
        self._logs = log_columns_for(schema)

    @property
    def schema(self) -> SchemaInfo:
        return self._schema

    async def _run(self, name: str, sql: queries.Sql, max_rows: int | None = None) -> QueryRows:
        """Run one query under the row cap, timing it as `name` when metrics are on."""
        started = time.perf_counter()
        try:
            with time_query():
                result = await self._executor.query(
                    sql.text,
                    sql.params,
                    max_rows=self._limits.max_rows if max_rows is None else max_rows,
                )
        except DataSourceError as exc:
            self._metrics.count_clickhouse_error(exc)
            raise
        self._metrics.observe_clickhouse_query(name, time.perf_counter() - started)
        if self._observer is not None:
            self._observer.observed(name, sql, result)
        return result

    async def failing_traces(self, service: str, window: TimeWindow) -> FailingTraces:
        """The corrected golden query: spans (with exceptions) of failing traces of `service`."""
        sql = queries.failing_trace_spans(
            self._schema.spans_table,
            self._schema.errors_table,
            self._spans,
            service=service,
            window=window,
            max_traces=self._limits.max_traces,
            distributed=self._schema.distributed,
            logs_table=self._schema.logs_table if self._logs else None,
            log_columns=self._logs,
        )
        failing = await self._traces("failing_traces", sql)
        self._metrics.count_errors_fetched(sum(span.has_error for span in failing.spans))
        return failing

    async def slow_traces(
        self, service: str, operations: Sequence[str], window: TimeWindow, max_traces: int
    ) -> FailingTraces:
        """Spans of the `max_traces` traces where `service` was slowest in `operations`."""
        if not operations:
            return FailingTraces(spans=(), trace_ids=(), truncated=False)
        sql = queries.slow_trace_spans(
            self._schema.spans_table,
            self._schema.errors_table,
            self._spans,
            service=service,
            operations=operations,
            window=window,
            max_traces=max_traces,
            distributed=self._schema.distributed,
        )
        return await self._traces("slow_traces", sql)

    async def _traces(self, name: str, sql: queries.Sql) -> FailingTraces:
        result = await self._run(name, sql)
        spans = tuple(merge_exception_rows(result.dicts()))
        trace_ids = tuple(dict.fromkeys(span.trace_id for span in spans))
        return FailingTraces(spans=spans, trace_ids=trace_ids, truncated=result.truncated)

    async def operation_stats(
        self, window: TimeWindow, baseline: Sequence[TimeWindow]
    ) -> list[OperationStats]:
        """Spans, failures and latency per (service, operation), window against baseline."""
        sql = comparison_queries.operation_stats(
            self._schema.spans_table, self._spans, window=window, baseline=baseline
        )
        return operation_stats_from_rows((await self._run("operation_stats", sql)).dicts())

    async def error_signatures(
        self, window: TimeWindow, baseline: Sequence[TimeWindow]
    ) -> list[ErrorSignature]:
        """Failing spans per operation and way of failing, window against baseline."""
        sql = comparison_queries.error_signatures(
            self._schema.spans_table,
            self._schema.errors_table,
            self._spans,
            window=window,
            baseline=baseline,
            distributed=self._schema.distributed,
        )
        return error_signatures_from_rows((await self._run("error_signatures", sql)).dicts())

    async def instance_stats(self, window: TimeWindow) -> list[InstanceStats]:
        """Spans and failing spans per instance of each service in the window."""
        sql = comparison_queries.instance_stats(
            self._schema.spans_table, self._spans, window=window
        )
        return instance_stats_from_rows((await self._run("instance_stats", sql)).dicts())

    async def service_stats(
        self, window: TimeWindow, baseline: Sequence[TimeWindow] = ()
    ) -> list[ServiceStats]:
        """Counts per service in the window and the baseline (default: the stretch before)."""
        sql = queries.service_stats(
            self._schema.spans_table, self._spans, window=window, baseline=baseline
        )
        result = await self._run("service_stats", sql)
        return [
            ServiceStats(
                service=row["service"],
                spans=int(row["spans"]),
                errors=int(row["errors"]),
                baseline_spans=int(row["baseline_spans"]),
                baseline_errors=int(row["baseline_errors"]),
            )
            for row in result.dicts()
        ]

    async def version_history(
        self, window: TimeWindow, since: datetime | None = None
    ) -> list[VersionSeen]:
        """Versions each service reported from `since` (default: the stretch before the window)."""
        sql = queries.version_history(
            self._schema.spans_table, self._spans, window=window, since=since
        )
        result = await self._run("version_history", sql)
        return [
            VersionSeen(
                service=row["service"],
                version=row["version"],
                first_seen_ns=int(row["first_ns"]),
                last_seen_ns=int(row["last_ns"]),
                spans=int(row["spans"]),
            )
            for row in result.dicts()
        ]

    async def call_edges(self, window: TimeWindow) -> list[CallEdge]:
        """Service-to-service edges, plus calls to uninstrumented peers (databases, SaaS APIs)."""
        internal_sql = queries.call_edges(
            self._schema.spans_table,
            self._spans,
            window=window,
            distributed=self._schema.distributed,
        )
        peer_sql = queries.peer_calls(self._schema.spans_table, self._spans, window=window)
        internal = (await self._run("call_edges", internal_sql)).dicts()
        peers = (await self._run("peer_calls", peer_sql)).dicts()
        edges = [
            CallEdge(row["caller"], row["callee"], int(row["calls"]), int(row["errors"]))
            for row in internal
        ]
        instrumented = {(edge.caller, edge.callee) for edge in edges}
        services = {edge.callee for edge in edges} | {edge.caller for edge in edges}
        for row in peers:
            caller, peer = row["caller"], row["peer"]
            if (caller, peer) in instrumented or peer in services or peer == caller:
                continue
            edges.append(
                CallEdge(caller, peer, int(row["calls"]), int(row["errors"]), external=True)
            )
        return edges

    async def known_services(self, window: TimeWindow) -> list[str]:
        sql = queries.known_services(self._schema.spans_table, self._spans, window=window)
        result = await self._run("known_services", sql)
        return [row[0] for row in result.rows]

    async def group_history(self, group_ids: Sequence[str], until_ns: int) -> list[GroupHistory]:
        """Occurrences of each exception group over the past GROUP_HISTORY_DAYS days."""
        if not group_ids or self._schema.errors_table is None:
            return []
        since_ns = until_ns - GROUP_HISTORY_DAYS * 86_400 * NS_PER_S
        sql = queries.group_history(
            self._schema.errors_table, group_ids=group_ids, since_ns=since_ns, until_ns=until_ns
        )
        result = await self._run("group_history", sql)
        return [
            GroupHistory(
                group_id=row["group_id"],
                occurrences=int(row["occurrences"]),
                first_seen_ns=int(row["first_ns"]),
                last_seen_ns=int(row["last_ns"]),
                days_seen=int(row["days"]),
            )
            for row in result.dicts()
        ]

    async def related_logs(
        self,
        trace_ids: Sequence[str],
        window: TimeWindow,
        limit: int | None = None,
        *,
        min_severity: int = 0,
    ) -> list[LogRecord]:
        """Logs of the given traces, newest first, at most `limit` (default: the query limit);
        with `min_severity` (an OTLP severity number, 17 for ERROR) only that bad or worse."""
        if not trace_ids or self._logs is None or self._schema.logs_table is None:
            return []
        bound = self._limits.max_logs if limit is None else limit
        sql = queries.related_logs(
            self._schema.logs_table,
            self._logs,
            trace_ids=trace_ids,
            window=window,
            limit=bound,
            min_severity=min_severity,
        )
        name = "error_logs" if min_severity else "related_logs"
        result = await self._run(name, sql, bound)
        return [
            LogRecord(
                time_ns=int(row["time_ns"]),
                severity=row["severity_text"] or _severity_name(int(row["severity_number"])),
                service=row["service"],
                body=row_body(row),
                trace_id=row["trace_id"],
                span_id=row["span_id"],
                log_id=row["id"],
                attributes=MappingProxyType(dict(row["attrs"])),
            )
            for row in result.dicts()
        ]

    async def trace(self, trace_id: str, hint: TimeWindow | None = None) -> list[SpanRecord]:
        """Every span of one trace, found through `trace_summary` or around the `hint` window."""
        window = await self._trace_window(trace_id, hint)
        if window is None:
            return []
        sql = queries.trace_spans(
            self._schema.spans_table,
            self._schema.errors_table,
            self._spans,
            trace_id=trace_id,
            window=window,
            distributed=self._schema.distributed,
        )
        result = await self._run("trace", sql)
        return list(merge_exception_rows(result.dicts()))

    async def stored_spans(
        self,
        window: TimeWindow,
        *,
        trace_ids: Sequence[str] = (),
        services: Sequence[str] = (),
    ) -> StoredBatch:
        """Every span, in full, of the given traces or services in the window, newest first.

        At most `max_rows` rows (one per exception, at least one per span) are read.
        """
        if not trace_ids and not services:
            return StoredBatch()
        sql = queries.stored_spans(
            self._schema.spans_table,
            self._schema.errors_table,
            self._spans,
            window=window,
            trace_ids=trace_ids,
            services=services,
            limit=self._limits.max_rows + 1,
            distributed=self._schema.distributed,
        )
        result = await self._run("stored_spans", sql)
        return StoredBatch(
            spans=tuple(stored_spans_from_rows(result.dicts())), truncated=result.truncated
        )

    async def stored_logs(self, trace_ids: Sequence[str], window: TimeWindow) -> StoredBatch:
        """Every log record, in full, of the given traces in the window, at most `max_rows`."""
        if not trace_ids or self._logs is None or self._schema.logs_table is None:
            return StoredBatch()
        sql = queries.stored_logs(
            self._schema.logs_table,
            self._logs,
            trace_ids=trace_ids,
            window=window,
            limit=self._limits.max_rows + 1,
        )
        result = await self._run("stored_logs", sql)
        return StoredBatch(
            logs=tuple(stored_log_from_row(row) for row in result.dicts()),
            truncated=result.truncated,
        )

    async def _trace_window(self, trace_id: str, hint: TimeWindow | None) -> TimeWindow | None:
        if self._schema.trace_summary_table:
            sql = queries.trace_bounds(self._schema.trace_summary_table, trace_id=trace_id)
            rows = (await self._run("trace_bounds", sql, 1)).rows
            if rows and rows[0][2]:
                start_ns, end_ns = int(rows[0][0]), int(rows[0][1])
                # `end` is the latest span *start*; the half-open window needs one more ns.
                return TimeWindow.from_ns(start_ns, end_ns + 1000)
        if hint is None:
            return None
        return TimeWindow(
            start=hint.start - TRACE_SEARCH_MARGIN, end=hint.end + TRACE_SEARCH_MARGIN
        )


def merge_exception_rows(rows: Iterable[Mapping[str, Any]]) -> list[SpanRecord]:
    """Fold the one-row-per-exception join back into one SpanRecord per span."""
    return fold_exception_rows(rows, span_from_row)


def span_from_row(row: Mapping[str, Any], exceptions: tuple[ExceptionRecord, ...]) -> SpanRecord:
    attributes = dict(row["attrs"])
    for key, number in dict(row["numbers"]).items():
        attributes.setdefault(key, _format_number(number))
    return SpanRecord(
        trace_id=row["trace_id"],
        span_id=row["span_id"],
        parent_span_id=row["parent_span_id"],
        service=row["service"],
        operation=row["operation"],
        kind=row["kind"],
        start_ns=int(row["start_ns"]),
        duration_ns=int(row["duration_ns"]),
        status_code=int(row["status_code"]),
        status_message=row["status_message"],
        http_status=row["http_status"],
        attributes=MappingProxyType(attributes),
        resource=MappingProxyType(_analysed_resource(row)),
        exceptions=exceptions,
    )


def _analysed_resource(row: Mapping[str, Any]) -> dict[str, str]:
    """The resource attributes the analysis reads, from the JSON column where the map is empty."""
    resource = dict(row["resources"])
    if resource or not row.get("resource_json"):
        return resource
    flat = flatten_json_object(row["resource_json"])
    return {key: flat[key] for key in RESOURCE_ATTRIBUTE_KEYS if key in flat}


def _format_number(value: float) -> str:
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


_SEVERITY_NAMES = (
    (21, "FATAL"),
    (17, "ERROR"),
    (13, "WARN"),
    (9, "INFO"),
    (5, "DEBUG"),
    (1, "TRACE"),
)


def _severity_name(number: int) -> str:
    for floor, name in _SEVERITY_NAMES:
        if number >= floor:
            return name
    return ""
