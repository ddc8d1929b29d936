"""Read SigNoz telemetry for an analysis: runs `queries` through an executor, returns records."""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from aisher.config import QueryLimits
from aisher.ops.metrics import AisherMetrics
from aisher.signoz import queries
from aisher.signoz.dialect import log_columns, span_columns
from aisher.signoz.executor import QueryExecutor, QueryRows
from aisher.signoz.probe import SchemaInfo
from aisher.telemetry import (
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


class SignozRepository:
    """The questions the analysis asks of SigNoz, answered with plain records."""

    def __init__(
        self,
        executor: QueryExecutor,
        schema: SchemaInfo,
        limits: QueryLimits,
        *,
        metrics: AisherMetrics | None = None,
    ) -> None:
        self._executor = executor
        self._schema = schema
        self._limits = limits
        self._metrics = metrics or AisherMetrics()
        self._spans = span_columns(schema.trace_schema)
        self._logs = log_columns(schema.log_schema)

    @property
    def schema(self) -> SchemaInfo:
        return self._schema

    async def _run(self, name: str, sql: queries.Sql, max_rows: int | None = None) -> QueryRows:
        """Run one query under the row cap, timing it as `name` when metrics are on."""
        started = time.perf_counter()
        result = await self._executor.query(
            sql.text, sql.params, max_rows=self._limits.max_rows if max_rows is None else max_rows
        )
        self._metrics.observe_clickhouse_query(name, time.perf_counter() - started)
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
        )
        result = await self._run("failing_traces", sql)
        spans = tuple(merge_exception_rows(result.dicts()))
        trace_ids = tuple(dict.fromkeys(span.trace_id for span in spans))
        return FailingTraces(spans=spans, trace_ids=trace_ids, truncated=result.truncated)

    async def service_stats(self, window: TimeWindow) -> list[ServiceStats]:
        sql = queries.service_stats(self._schema.spans_table, self._spans, window=window)
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

    async def version_history(self, window: TimeWindow) -> list[VersionSeen]:
        sql = queries.version_history(self._schema.spans_table, self._spans, window=window)
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
        self, trace_ids: Sequence[str], window: TimeWindow, limit: int | None = None
    ) -> list[LogRecord]:
        """Logs of the given traces, newest first, at most `limit` (default: the query limit)."""
        if not trace_ids or self._logs is None or self._schema.logs_table is None:
            return []
        bound = self._limits.max_logs if limit is None else limit
        sql = queries.related_logs(
            self._schema.logs_table, self._logs, trace_ids=trace_ids, window=window, limit=bound
        )
        result = await self._run("related_logs", sql, bound)
        return [
            LogRecord(
                time_ns=int(row["time_ns"]),
                severity=row["severity_text"] or _severity_name(int(row["severity_number"])),
                service=row["service"],
                body=row["body"],
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


def merge_exception_rows(rows: Iterable[Mapping[str, Any]]) -> Iterable[SpanRecord]:
    """Fold the one-row-per-exception join back into one SpanRecord per span."""
    order: list[tuple[str, str]] = []
    spans: dict[tuple[str, str], Mapping[str, Any]] = {}
    exceptions: dict[tuple[str, str], list[ExceptionRecord]] = {}
    for row in rows:
        key = (row["trace_id"], row["span_id"])
        if key not in spans:
            spans[key] = row
            order.append(key)
            exceptions[key] = []
        if row.get("exception_type"):
            exceptions[key].append(
                ExceptionRecord(
                    type=row["exception_type"],
                    message=row["exception_message"],
                    stacktrace=row["exception_stacktrace"],
                    escaped=bool(row["exception_escaped"]),
                    group_id=row["group_id"],
                    time_ns=int(row["exception_ns"]),
                )
            )
    for key in order:
        yield span_from_row(spans[key], tuple(exceptions[key]))


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
        resource=MappingProxyType(dict(row["resources"])),
        exceptions=exceptions,
    )


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
