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
from typing import Any

from aisher.signoz.dialect import LogColumns, SpanColumns
from aisher.telemetry import RESOURCE_ATTRIBUTE_KEYS, SPAN_ATTRIBUTE_KEYS
from aisher.window import NS_PER_S, TimeWindow

BUCKET_SECONDS = 1800
# Exception events happen after their span starts; allow for long spans past the window end.
EXCEPTION_SLACK_NS = 3600 * NS_PER_S
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


def span_select(columns: SpanColumns, alias: str = "s", *, all_attributes: bool = False) -> str:
    """The columns a SpanRecord is built from, in `repository.SPAN_FIELDS` order."""
    a = f"{alias}."
    if all_attributes:
        attrs, nums = f"{a}{columns.attributes}", f"{a}{columns.numbers}"
    else:
        attrs = f"mapFilter((k, v) -> has({{attr_keys:Array(String)}}, k), {a}{columns.attributes})"
        nums = f"mapFilter((k, v) -> has({{attr_keys:Array(String)}}, k), {a}{columns.numbers})"
    resources = (
        f"mapFilter((k, v) -> has({{resource_keys:Array(String)}}, k), {a}{columns.resources})"
    )
    return ", ".join(
        (
            f"toString({a}{columns.trace_id}) AS trace_id",
            f"{a}{columns.span_id} AS span_id",
            f"{a}{columns.parent_span_id} AS parent_span_id",
            f"{a}{columns.service} AS service",
            f"{a}name AS operation",
            f"{a}{columns.kind} AS kind",
            f"toUnixTimestamp64Nano({a}timestamp) AS start_ns",
            f"{a}{columns.duration} AS duration_ns",
            f"{a}{columns.status_code} AS status_code",
            f"{a}{columns.status_message} AS status_message",
            f"{a}{columns.http_status} AS http_status",
            f"{attrs} AS attrs",
            f"{nums} AS numbers",
            f"{resources} AS resources",
        )
    )


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
) -> Sql:
    """The corrected golden query: every span of the failing traces that involve `service`.

    A failing trace has at least one span of the service and at least one error span, in the
    window; the newest `max_traces` are kept. Each span comes with its exception rows from
    `signoz_error_index_v2` (joined on `trace_id = traceID AND span_id = spanID`), one result
    row per exception, so spans without exceptions appear once with empty exception columns.
    Non-error spans are returned too: finding where an error started needs the whole tree.
    """
    c = columns
    # Exception rows of the window are few; filtering them by the failing traces as well would
    # make ClickHouse evaluate the `failing` CTE a second time.
    exception_columns, join = _exception_join(errors_table, c, "1", distributed)
    text = (
        "WITH failing AS ("
        f"SELECT {c.trace_id} AS tid FROM {spans_table}"
        f" WHERE {span_time_filter(c)} AND ({c.service} = {{service:String}} OR {c.has_error})"
        " GROUP BY tid"
        f" HAVING countIf({c.service} = {{service:String}}) > 0 AND countIf({c.has_error}) > 0"
        " ORDER BY max(timestamp) DESC LIMIT {max_traces:UInt32})"
        f" SELECT {span_select(c)}, {exception_columns}"
        f" FROM {spans_table} AS s {join}"
        f" WHERE {span_time_filter(c, 's')}"
        f" AND s.{c.trace_id} {_global(distributed)}IN (SELECT tid FROM failing)"
        f" ORDER BY s.{c.trace_id}, s.timestamp"
    )
    params = {
        **window_params(window),
        **_key_params(),
        "service": service,
        "max_traces": max_traces,
        "exceptions_end_ns": window.end_ns + EXCEPTION_SLACK_NS,
    }
    return Sql(text, params)


def service_stats(spans_table: str, columns: SpanColumns, *, window: TimeWindow) -> Sql:
    """Span and error counts per service in the window and in the equal baseline before it."""
    c = columns
    both = window.extended_back(2)
    in_window = "timestamp >= fromUnixTimestamp64Nano({split_ns:Int64})"
    text = (
        f"SELECT {c.service} AS service,"
        f" countIf({in_window}) AS spans,"
        f" countIf({in_window} AND {c.has_error}) AS errors,"
        f" countIf(NOT ({in_window})) AS baseline_spans,"
        f" countIf(NOT ({in_window}) AND {c.has_error}) AS baseline_errors"
        f" FROM {spans_table} WHERE {span_time_filter(c)} AND {c.service} != ''"
        " GROUP BY service ORDER BY errors DESC, spans DESC LIMIT 5000"
    )
    return Sql(text, {**window_params(both), "split_ns": window.start_ns})


def version_history(spans_table: str, columns: SpanColumns, *, window: TimeWindow) -> Sql:
    """Every `service.version` each service reported in the window and the baseline before it."""
    c = columns
    text = (
        f"SELECT {c.service} AS service, {c.resources}['service.version'] AS version,"
        " toUnixTimestamp64Nano(min(timestamp)) AS first_ns,"
        " toUnixTimestamp64Nano(max(timestamp)) AS last_ns, count() AS spans"
        f" FROM {spans_table} WHERE {span_time_filter(c)} AND {c.service} != ''"
        f" AND {c.resources}['service.version'] != ''"
        " GROUP BY service, version ORDER BY service, first_ns LIMIT 5000"
    )
    return Sql(text, window_params(window.extended_back(2)))


def call_edges(
    spans_table: str, columns: SpanColumns, *, window: TimeWindow, distributed: bool = False
) -> Sql:
    """Calls between services: child spans whose parent span belongs to another service."""
    c = columns
    text = (
        f"SELECT p.service AS caller, ch.{c.service} AS callee, count() AS calls,"
        f" countIf(ch.{c.has_error}) AS errors"
        f" FROM {spans_table} AS ch {_global(distributed)}INNER JOIN ("
        f"SELECT {c.trace_id} AS tid, {c.span_id} AS sid, {c.service} AS service"
        f" FROM {spans_table} WHERE {span_time_filter(c)}) AS p"
        f" ON ch.{c.trace_id} = p.tid AND ch.{c.parent_span_id} = p.sid"
        f" WHERE {span_time_filter(c, 'ch')} AND ch.{c.service} != p.service"
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
        f"SELECT {c.service} AS caller, {peer} AS peer, count() AS calls,"
        f" countIf({c.has_error}) AS errors"
        f" FROM {spans_table} WHERE {span_time_filter(c)} AND {c.kind} IN ('Client', 'Producer')"
        " GROUP BY caller, peer HAVING peer != '' ORDER BY calls DESC LIMIT 2000"
    )
    return Sql(text, window_params(window))


def known_services(spans_table: str, columns: SpanColumns, *, window: TimeWindow) -> Sql:
    c = columns
    text = (
        f"SELECT DISTINCT {c.service} AS service FROM {spans_table}"
        f" WHERE {span_time_filter(c)} AND {c.service} != '' ORDER BY service LIMIT 5000"
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
) -> Sql:
    """Logs of the given traces in the window, newest first."""
    c = columns
    text = (
        f"SELECT {c.timestamp_ns} AS time_ns, severity_text, severity_number,"
        f" {c.service} AS service, body, trace_id, span_id, id,"
        f" mapFilter((k, v) -> length(v) < 512, {c.attributes}) AS attrs"
        f" FROM {logs_table}"
        f" WHERE {log_time_filter(c)} AND trace_id IN {{trace_ids:Array(String)}}"
        " ORDER BY time_ns DESC LIMIT {limit:UInt32}"
    )
    return Sql(text, {**window_params(window), "trace_ids": list(trace_ids), "limit": limit})


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
