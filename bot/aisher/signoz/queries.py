"""SQL for every question Aisher asks SigNoz's ClickHouse, as pure builders.

Each builder returns the SQL text and its parameters. User input (service names, ids, times)
only ever travels as a server-side bound parameter (`{name:Type}`); the text itself is built
from table names chosen by the schema probe and column names from `dialect`. Span and log
queries always carry SigNoz's `ts_bucket_start` bounds with the −1800 s rule as well as the
`timestamp` bounds, so ClickHouse prunes partitions and granules the way SigNoz's own do.

On a cluster (`distributed=True`), subqueries and joins over `distributed_*` tables are GLOBAL,
as SigNoz's own are: the subquery runs once and its result is shipped to every shard, instead
of every shard re-running it against the whole cluster (which ClickHouse refuses by default).
On one node GLOBAL only costs time (about a third more for the golden query), so it is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aisher.signoz.dialect import LogColumns, SpanColumns
from aisher.signoz.span_conditions import failure_sql
from aisher.telemetry import RESOURCE_ATTRIBUTE_KEYS, SPAN_ATTRIBUTE_KEYS
from aisher.window import NS_PER_S, TimeWindow

BUCKET_SECONDS = 1800
# Exception events happen after their span starts; allow for long spans past the window end.
EXCEPTION_SLACK_NS = 3600 * NS_PER_S
ERROR_SEVERITY = 17  # OTLP severity number of ERROR; FATAL is 21
PEER_KEYS = ("peer.service", "db.system", "messaging.system", "server.address", "net.peer.name")


@dataclass(frozen=True, slots=True)
class Sql:
    text: str
    params: dict[str, Any] = field(default_factory=dict)


def window_params(window: TimeWindow, prefix: str = "") -> dict[str, int]:
    """Bound values for `time_filter`: ns bounds plus 30-minute bucket bounds (−1800 s)."""
    start_s = window.start_ns // NS_PER_S
    return {
        f"{prefix}start_ns": window.start_ns,
        f"{prefix}end_ns": window.end_ns,
        f"{prefix}bucket_lo": max(0, start_s - BUCKET_SECONDS),
        f"{prefix}bucket_hi": window.end_ns // NS_PER_S,
    }


def span_time_filter(columns: SpanColumns, alias: str = "", prefix: str = "") -> str:
    a = f"{alias}." if alias else ""
    text = (
        f"{a}timestamp >= fromUnixTimestamp64Nano({{{prefix}start_ns:Int64}})"
        f" AND {a}timestamp < fromUnixTimestamp64Nano({{{prefix}end_ns:Int64}})"
    )
    if columns.bucketed:
        text += (
            f" AND {a}ts_bucket_start >= {{{prefix}bucket_lo:UInt64}}"
            f" AND {a}ts_bucket_start <= {{{prefix}bucket_hi:UInt64}}"
        )
    return text


def log_time_filter(columns: LogColumns, alias: str = "") -> str:
    a = f"{alias}." if alias else ""
    text = (
        f"{a}{columns.timestamp_ns} >= {{start_ns:Int64}}"
        f" AND {a}{columns.timestamp_ns} < {{end_ns:Int64}}"
    )
    if columns.bucketed:
        text += (
            f" AND {a}ts_bucket_start >= {{bucket_lo:UInt64}}"
            f" AND {a}ts_bucket_start <= {{bucket_hi:UInt64}}"
        )
    return text


def span_select(
    columns: SpanColumns, alias: str = "s", *, all_attributes: bool = False, complete: bool = False
) -> str:
    """The columns a SpanRecord is built from, in `repository.SPAN_FIELDS` order.

    `complete` adds what a span is rebuilt from in full (`StoredSpan`): every resource
    attribute, the bool attributes, the numeric kind, flags and trace state.
    """
    c, a = columns, f"{alias}."
    if all_attributes or complete:
        attrs, nums = f"{a}{c.attributes}", f"{a}{c.numbers}"
    else:
        attrs = f"mapFilter((k, v) -> has({{attr_keys:Array(String)}}, k), {a}{c.attributes})"
        nums = f"mapFilter((k, v) -> has({{attr_keys:Array(String)}}, k), {a}{c.numbers})"
    if complete:
        resources = f"{a}{c.resources}"
    else:
        keys = "{resource_keys:Array(String)}"
        resources = f"mapFilter((k, v) -> has({keys}, k), {a}{c.resources})"
    selected = [
        f"toString({a}{c.trace_id}) AS trace_id",
        f"{a}{c.span_id} AS span_id",
        f"{a}{c.parent_span_id} AS parent_span_id",
        f"{c.service_of(alias)} AS service",
        f"{a}name AS operation",
        f"{a}{c.kind} AS kind",
        f"toUnixTimestamp64Nano({a}timestamp) AS start_ns",
        f"{a}{c.duration} AS duration_ns",
        f"{a}{c.status_code} AS status_code",
        f"{a}{c.status_message} AS status_message",
        f"{a}{c.http_status} AS http_status",
        f"{attrs} AS attrs",
        f"{nums} AS numbers",
        f"{resources} AS resources",
    ]
    resource_json = c.resource_json_select(alias)
    if resource_json:
        selected.append(resource_json)
    if complete:
        selected += [
            f"{a}kind AS kind_number",
            f"{a}{c.bools} AS bools",
            f"{a}{c.flags} AS flags" if c.flags else "toUInt32(0) AS flags",
            f"{a}{c.trace_state} AS trace_state" if c.trace_state else "'' AS trace_state",
        ]
    return ", ".join(selected)


def _key_params() -> dict[str, Any]:
    return {"attr_keys": list(SPAN_ATTRIBUTE_KEYS), "resource_keys": list(RESOURCE_ATTRIBUTE_KEYS)}


_NO_EXCEPTION_COLUMNS = (
    "'' AS exception_type, '' AS exception_message, '' AS exception_stacktrace,"
    " false AS exception_escaped, '' AS group_id, toInt64(0) AS exception_ns"
)


def _global(distributed: bool) -> str:
    return "GLOBAL " if distributed else ""


def _exception_join(
    errors_table: str | None,
    columns: SpanColumns,
    trace_condition: str,
    distributed: bool = False,
) -> tuple[str, str]:
    """Exception columns and the LEFT JOIN on `signoz_error_index_v2` that provides them.

    The join is SigNoz's `trace_id = traceID AND span_id = spanID`; `trace_condition` limits
    the exception rows read to the traces at hand.
    """
    if not errors_table:
        return _NO_EXCEPTION_COLUMNS, ""
    selected = (
        "e.exceptionType AS exception_type, e.exceptionMessage AS exception_message,"
        " e.exceptionStacktrace AS exception_stacktrace, e.exceptionEscaped AS exception_escaped,"
        " e.group_id AS group_id, e.exception_ns AS exception_ns"
    )
    join = (
        f"{_global(distributed)}LEFT JOIN (SELECT traceID, spanID, exceptionType, exceptionMessage,"
        " exceptionStacktrace, exceptionEscaped, toString(groupID) AS group_id,"
        " toUnixTimestamp64Nano(timestamp) AS exception_ns"
        f" FROM {errors_table}"
        " WHERE timestamp >= fromUnixTimestamp64Nano({start_ns:Int64})"
        " AND timestamp < fromUnixTimestamp64Nano({exceptions_end_ns:Int64})"
        f" AND {trace_condition}) AS e"
        f" ON s.{columns.trace_id} = e.traceID AND s.{columns.span_id} = e.spanID"
    )
    return selected, join


def failing_trace_spans(
    spans_table: str,
    errors_table: str | None,
    columns: SpanColumns,
    *,
    service: str,
    window: TimeWindow,
    max_traces: int,
    distributed: bool = False,
    logs_table: str | None = None,
    log_columns: LogColumns | None = None,
) -> Sql:
    """The corrected golden query: every span of the failing traces that involve `service`.

    A failing trace has at least one span of the service and at least one failing span
    (`span_conditions.failure_sql`: an error status, or an HTTP 5xx or gRPC error code left
    with the status unset), in the window; with `logs_table`, a trace with an ERROR-or-worse
    log fails too. The newest `max_traces` are kept. Each span comes with its exception rows
    from `signoz_error_index_v2` (joined on `trace_id = traceID AND span_id = spanID`), one
    result row per exception, so spans without exceptions appear once with empty exception
    columns. Non-error spans are returned too: finding where an error started needs the whole
    tree.
    """
    c = columns
    service_name, failing = c.service_of(), failure_sql(c)
    if logs_table and log_columns:
        logged = (
            f"{c.trace_id} {_global(distributed)}IN ({error_log_traces(logs_table, log_columns)})"
        )
        failing = f"({failing} OR {logged})"
    chosen = (
        f"SELECT {c.trace_id} AS tid FROM {spans_table}"
        f" WHERE {span_time_filter(c)} AND ({service_name} = {{service:String}} OR {failing})"
        " GROUP BY tid"
        f" HAVING countIf({service_name} = {{service:String}}) > 0 AND countIf({failing}) > 0"
        " ORDER BY max(timestamp) DESC LIMIT {max_traces:UInt32}"
    )
    params = {"service": service, "max_traces": max_traces}
    return _spans_of_traces(
        spans_table, errors_table, c, chosen, window=window, params=params, distributed=distributed
    )


def slow_trace_spans(
    spans_table: str,
    errors_table: str | None,
    columns: SpanColumns,
    *,
    service: str,
    operations: Sequence[str],
    window: TimeWindow,
    max_traces: int,
    distributed: bool = False,
) -> Sql:
    """Every span of the traces where `service` spent longest in one of `operations`.

    The `max_traces` traces whose slowest span of those operations took longest are kept;
    spans come as in `failing_trace_spans`.
    """
    c = columns
    chosen = (
        f"SELECT {c.trace_id} AS tid FROM {spans_table}"
        f" WHERE {span_time_filter(c)} AND {c.service_of()} = {{service:String}}"
        " AND name IN {operations:Array(String)}"
        f" GROUP BY tid ORDER BY max({c.duration}) DESC LIMIT {{max_traces:UInt32}}"
    )
    params = {"service": service, "operations": list(operations), "max_traces": max_traces}
    return _spans_of_traces(
        spans_table, errors_table, c, chosen, window=window, params=params, distributed=distributed
    )


def _spans_of_traces(
    spans_table: str,
    errors_table: str | None,
    columns: SpanColumns,
    chosen: str,
    *,
    window: TimeWindow,
    params: dict[str, Any],
    distributed: bool,
) -> Sql:
    """Every span, with its exception rows, of the traces `chosen` (a query of `tid`s)."""
    c = columns
    # Exception rows of the window are few; filtering them by the chosen traces as well would
    # make ClickHouse evaluate the `chosen` CTE a second time.
    exception_columns, join = _exception_join(errors_table, c, "1", distributed)
    text = (
        f"WITH chosen AS ({chosen})"
        f" SELECT {span_select(c)}, {exception_columns}"
        f" FROM {spans_table} AS s {join}"
        f" WHERE {span_time_filter(c, 's')}"
        f" AND s.{c.trace_id} {_global(distributed)}IN (SELECT tid FROM chosen)"
        f" ORDER BY s.{c.trace_id}, s.timestamp"
    )
    return Sql(
        text,
        {
            **window_params(window),
            **_key_params(),
            **params,
            "exceptions_end_ns": window.end_ns + EXCEPTION_SLACK_NS,
        },
    )


def error_log_traces(logs_table: str, columns: LogColumns) -> str:
    """A subquery of the trace ids with an ERROR-or-worse log in the window (`window_params`)."""
    return (
        f"SELECT trace_id FROM {logs_table} WHERE {log_time_filter(columns)}"
        f" AND severity_number >= {ERROR_SEVERITY} AND trace_id != ''"
    )


def service_stats(
    spans_table: str,
    columns: SpanColumns,
    *,
    window: TimeWindow,
    baseline: Sequence[TimeWindow] = (),
) -> Sql:
    """Span and failing-span counts per service in the window and in the baseline: the given
    segments (see `comparison_queries`), or else the equal stretch before the window."""
    c = columns
    segments = list(baseline) or [window.baseline()]
    prefixes = [f"g{index}_" for index in range(len(segments) + 1)]
    in_window = (
        "timestamp >= fromUnixTimestamp64Nano({g0_start_ns:Int64})"
        " AND timestamp < fromUnixTimestamp64Nano({g0_end_ns:Int64})"
    )
    failing = failure_sql(c)
    anywhere = " OR ".join(f"({span_time_filter(c, '', prefix)})" for prefix in prefixes)
    text = (
        f"SELECT {c.service_of()} AS service,"
        f" countIf({in_window}) AS spans,"
        f" countIf({in_window} AND {failing}) AS errors,"
        f" countIf(NOT ({in_window})) AS baseline_spans,"
        f" countIf(NOT ({in_window}) AND {failing}) AS baseline_errors"
        f" FROM {spans_table} WHERE ({anywhere}) AND service != ''"
        " GROUP BY service ORDER BY errors DESC, spans DESC LIMIT 5000"
    )
    params: dict[str, Any] = {}
    for prefix, segment in zip(prefixes, (window, *segments), strict=True):
        params.update(window_params(segment, prefix))
    return Sql(text, params)


def version_history(
    spans_table: str, columns: SpanColumns, *, window: TimeWindow, since: datetime | None = None
) -> Sql:
    """Every `service.version` each service reported from `since` (else the start of the
    baseline before the window) to the window's end."""
    c = columns
    scanned = window.extended_back(2) if since is None else TimeWindow(since, window.end)
    text = (
        f"SELECT {c.service_of()} AS service, {c.resource_of('service.version')} AS version,"
        " toUnixTimestamp64Nano(min(timestamp)) AS first_ns,"
        " toUnixTimestamp64Nano(max(timestamp)) AS last_ns, count() AS spans"
        f" FROM {spans_table} WHERE {span_time_filter(c)} AND service != '' AND version != ''"
        " GROUP BY service, version ORDER BY service, first_ns LIMIT 5000"
    )
    return Sql(text, window_params(scanned))


def call_edges(
    spans_table: str, columns: SpanColumns, *, window: TimeWindow, distributed: bool = False
) -> Sql:
    """Calls between services: child spans whose parent span belongs to another service."""
    c = columns
    text = (
        f"SELECT p.service AS caller, {c.service_of('ch')} AS callee, count() AS calls,"
        f" countIf(ch.{c.has_error}) AS errors"
        f" FROM {spans_table} AS ch {_global(distributed)}INNER JOIN ("
        f"SELECT {c.trace_id} AS tid, {c.span_id} AS sid, {c.service_of()} AS service"
        f" FROM {spans_table} WHERE {span_time_filter(c)}) AS p"
        f" ON ch.{c.trace_id} = p.tid AND ch.{c.parent_span_id} = p.sid"
        f" WHERE {span_time_filter(c, 'ch')} AND callee != p.service"
        " GROUP BY caller, callee ORDER BY calls DESC LIMIT 2000"
    )
    return Sql(text, window_params(window))


def peer_calls(spans_table: str, columns: SpanColumns, *, window: TimeWindow) -> Sql:
    """Client calls by the remote name the instrumentation recorded (peer.service, db.system, …)."""
    c = columns
    peer = (
        "multiIf("
        + ", ".join(f"{c.attributes}['{key}'] != '', {c.attributes}['{key}']" for key in PEER_KEYS)
        + ", '')"
    )
    text = (
        f"SELECT {c.service_of()} AS caller, {peer} AS peer, count() AS calls,"
        f" countIf({c.has_error}) AS errors"
        f" FROM {spans_table} WHERE {span_time_filter(c)} AND {c.kind} IN ('Client', 'Producer')"
        " GROUP BY caller, peer HAVING peer != '' ORDER BY calls DESC LIMIT 2000"
    )
    return Sql(text, window_params(window))


def known_services(spans_table: str, columns: SpanColumns, *, window: TimeWindow) -> Sql:
    c = columns
    text = (
        f"SELECT DISTINCT {c.service_of()} AS service FROM {spans_table}"
        f" WHERE {span_time_filter(c)} AND service != '' ORDER BY service LIMIT 5000"
    )
    return Sql(text, window_params(window))


def group_history(
    errors_table: str, *, group_ids: Sequence[str], since_ns: int, until_ns: int
) -> Sql:
    """How often each exception group occurred over a look-back period (e.g. 7 days)."""
    text = (
        "SELECT toString(groupID) AS group_id, count() AS occurrences,"
        " toUnixTimestamp64Nano(min(timestamp)) AS first_ns,"
        " toUnixTimestamp64Nano(max(timestamp)) AS last_ns,"
        " uniqExact(toDate(timestamp)) AS days"
        f" FROM {errors_table}"
        " WHERE toString(groupID) IN {group_ids:Array(String)}"
        " AND timestamp >= fromUnixTimestamp64Nano({since_ns:Int64})"
        " AND timestamp < fromUnixTimestamp64Nano({until_ns:Int64})"
        " GROUP BY group_id ORDER BY occurrences DESC"
    )
    return Sql(text, {"group_ids": list(group_ids), "since_ns": since_ns, "until_ns": until_ns})


def related_logs(
    logs_table: str,
    columns: LogColumns,
    *,
    trace_ids: Sequence[str],
    window: TimeWindow,
    limit: int,
    min_severity: int = 0,
) -> Sql:
    """Logs of the given traces in the window, newest first; with `min_severity`, only logs of
    that OTLP severity number or worse (17 is ERROR)."""
    c = columns
    text = (
        f"SELECT {c.timestamp_ns} AS time_ns, severity_text, severity_number,"
        f" {c.service_of()} AS service, {', '.join(c.body_selects())}, trace_id, span_id, id,"
        f" mapFilter((k, v) -> length(v) < 512, {c.attributes}) AS attrs"
        f" FROM {logs_table}"
        f" WHERE {log_time_filter(c)} AND trace_id IN {{trace_ids:Array(String)}}"
        " AND severity_number >= {min_severity:UInt8}"
        " ORDER BY time_ns DESC LIMIT {limit:UInt32}"
    )
    params = {
        **window_params(window),
        "trace_ids": list(trace_ids),
        "limit": limit,
        "min_severity": min_severity,
    }
    return Sql(text, params)


def trace_bounds(summary_table: str, *, trace_id: str) -> Sql:
    text = (
        "SELECT toUnixTimestamp64Nano(min(start)) AS start_ns,"
        " toUnixTimestamp64Nano(max(end)) AS end_ns, sum(num_spans) AS spans"
        f" FROM {summary_table} WHERE trace_id = {{trace_id:String}} GROUP BY trace_id"
    )
    return Sql(text, {"trace_id": trace_id})


def trace_spans(
    spans_table: str,
    errors_table: str | None,
    columns: SpanColumns,
    *,
    trace_id: str,
    window: TimeWindow,
    distributed: bool = False,
) -> Sql:
    """Every span of one trace (replayed duplicates removed), all attributes and exceptions."""
    c = columns
    exception_columns, join = _exception_join(
        errors_table, c, "traceID = {trace_id:String}", distributed
    )
    text = (
        f"SELECT {span_select(c, all_attributes=True)}, {exception_columns}"
        f" FROM (SELECT * FROM {spans_table} AS s"
        f" WHERE s.{c.trace_id} = {{trace_id:String}} AND {span_time_filter(c, 's')}"
        f" ORDER BY s.timestamp LIMIT 1 BY s.{c.span_id}) AS s {join}"
        " ORDER BY start_ns, operation"
    )
    params = {
        **window_params(window),
        **_key_params(),
        "trace_id": trace_id,
        "exceptions_end_ns": window.end_ns + EXCEPTION_SLACK_NS,
    }
    return Sql(text, params)


def stored_spans(
    spans_table: str,
    errors_table: str | None,
    columns: SpanColumns,
    *,
    window: TimeWindow,
    trace_ids: Sequence[str] = (),
    services: Sequence[str] = (),
    limit: int,
    distributed: bool = False,
) -> Sql:
    """Every span of the given traces, or of the given services, in full, newest first.

    Each span comes with its exception rows, as in `failing_trace_spans`. Spans of either set
    are returned (pass one set or both); `limit` rows at most, so a caller can tell a cut
    result by asking for one row more than it keeps.
    """
    c = columns
    span_match = [f"s.{c.trace_id} IN {{trace_ids:Array(String)}}"] if trace_ids else []
    error_match = ["traceID IN {trace_ids:Array(String)}"] if trace_ids else []
    if services:
        span_match.append(f"{c.service_of('s')} IN {{services:Array(String)}}")
        error_match.append("serviceName IN {services:Array(String)}")
    if not span_match:
        raise ValueError("stored_spans needs trace ids or services")
    exception_columns, join = _exception_join(
        errors_table, c, f"({' OR '.join(error_match)})", distributed
    )
    text = (
        f"SELECT {span_select(c, complete=True)}, {exception_columns}"
        f" FROM {spans_table} AS s {join}"
        f" WHERE {span_time_filter(c, 's')} AND ({' OR '.join(span_match)})"
        f" ORDER BY s.timestamp DESC, s.{c.span_id} LIMIT {{limit:UInt32}}"
    )
    params = {
        **window_params(window),
        "trace_ids": list(trace_ids),
        "services": list(services),
        "limit": limit,
        "exceptions_end_ns": window.end_ns + EXCEPTION_SLACK_NS,
    }
    return Sql(text, params)


def stored_logs(
    logs_table: str,
    columns: LogColumns,
    *,
    trace_ids: Sequence[str],
    window: TimeWindow,
    limit: int,
) -> Sql:
    """Every log record of the given traces in the window, in full, newest first."""
    c = columns
    selected = [
        f"{c.timestamp_ns} AS time_ns",
        "observed_timestamp AS observed_ns",
        "severity_text",
        "severity_number",
        f"{c.service_of()} AS service",
        *c.body_selects(),
        "trace_id",
        "span_id",
        "trace_flags",
        f"{c.attributes} AS attrs",
        f"{c.numbers} AS numbers",
        f"{c.bools} AS bools",
        f"{c.resources} AS resources",
        "scope_name",
        "scope_version",
        f"{c.scope_attributes} AS scope_attrs",
    ]
    resource_json = c.resource_json_select()
    if resource_json:
        selected.append(resource_json)
    text = (
        f"SELECT {', '.join(selected)} FROM {logs_table}"
        f" WHERE {log_time_filter(c)} AND trace_id IN {{trace_ids:Array(String)}}"
        " ORDER BY time_ns DESC, id LIMIT {limit:UInt32}"
    )
    return Sql(text, {**window_params(window), "trace_ids": list(trace_ids), "limit": limit})
