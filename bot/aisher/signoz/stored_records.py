"""Spans and logs with every value SigNoz keeps of them, typed as stored: what a capture exports.

`SpanRecord` and `LogRecord` carry what the analysis reads; these carry enough to write the
telemetry out again as OTLP and load it into another store: all attributes by type, the whole
resource, the numeric kind, flags, trace state, observed times and scopes. Exceptions come from
SigNoz's error index, as for `SpanRecord`. The row conversions here are pure; the queries are
`queries.stored_spans` and `queries.stored_logs`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from aisher.signoz.json_columns import flatten_json_object, structured_body
from aisher.telemetry import ExceptionRecord

_T = TypeVar("_T")


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class StoredSpan:
    """One span as SigNoz stores it (the span table's row plus its error-index rows)."""

    trace_id: str
    span_id: str
    parent_span_id: str
    name: str
    kind: int  # OTLP's number: 1 Internal, 2 Server, 3 Client, 4 Producer, 5 Consumer
    start_ns: int
    duration_ns: int
    status_code: int
    status_message: str = ""
    trace_state: str = ""
    flags: int = 0
    attributes: Mapping[str, str] = field(default_factory=_empty)
    numbers: Mapping[str, float] = field(default_factory=_empty)
    bools: Mapping[str, bool] = field(default_factory=_empty)
    resource: Mapping[str, str] = field(default_factory=_empty)
    exceptions: tuple[ExceptionRecord, ...] = ()

    @property
    def service(self) -> str:
        return self.resource.get("service.name", "")


@dataclass(frozen=True, slots=True)
class StoredLog:
    """One log record as SigNoz stores it."""

    time_ns: int
    observed_ns: int
    severity_text: str
    severity_number: int
    body: str
    trace_id: str = ""
    span_id: str = ""
    flags: int = 0
    attributes: Mapping[str, str] = field(default_factory=_empty)
    numbers: Mapping[str, float] = field(default_factory=_empty)
    bools: Mapping[str, bool] = field(default_factory=_empty)
    resource: Mapping[str, str] = field(default_factory=_empty)
    scope_name: str = ""
    scope_version: str = ""
    scope_attributes: Mapping[str, str] = field(default_factory=_empty)


@dataclass(frozen=True, slots=True)
class StoredBatch:
    """Stored spans or logs read under a row cap; `truncated` says the cap cut them short."""

    spans: tuple[StoredSpan, ...] = ()
    logs: tuple[StoredLog, ...] = ()
    truncated: bool = False


def row_resource(row: Mapping[str, Any]) -> dict[str, str]:
    """The row's resource map, or its JSON `resource` where the map is empty; the row's own
    service name fills in a missing `service.name` (v2 spans keep it in a column)."""
    resource = dict(row["resources"]) or flatten_json_object(row.get("resource_json") or "")
    if not resource.get("service.name") and row.get("service"):
        resource["service.name"] = row["service"]
    return resource


def row_body(row: Mapping[str, Any]) -> str:
    """The log body: `body`, or the structured body of `body_v2` where `body` is ''."""
    return str(row["body"]) or structured_body(
        row.get("body_v2_json") or "", row.get("body_promoted_json") or ""
    )


def fold_exception_rows(
    rows: Iterable[Mapping[str, Any]],
    build: Callable[[Mapping[str, Any], tuple[ExceptionRecord, ...]], _T],
) -> list[_T]:
    """Fold the one-row-per-exception join back into one record per span, in row order."""
    order: list[tuple[str, str]] = []
    first: dict[tuple[str, str], Mapping[str, Any]] = {}
    exceptions: dict[tuple[str, str], list[ExceptionRecord]] = {}
    for row in rows:
        key = (row["trace_id"], row["span_id"])
        if key not in first:
            first[key] = row
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
    return [build(first[key], tuple(exceptions[key])) for key in order]


def stored_spans_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[StoredSpan]:
    """One StoredSpan per span of a `queries.stored_spans` result, in row order."""
    return fold_exception_rows(rows, _stored_span)


def _stored_span(row: Mapping[str, Any], exceptions: tuple[ExceptionRecord, ...]) -> StoredSpan:
    return StoredSpan(
        trace_id=row["trace_id"],
        span_id=row["span_id"],
        parent_span_id=row["parent_span_id"],
        name=row["operation"],
        kind=int(row["kind_number"]),
        start_ns=int(row["start_ns"]),
        duration_ns=int(row["duration_ns"]),
        status_code=int(row["status_code"]),
        status_message=row["status_message"],
        trace_state=row["trace_state"],
        flags=int(row["flags"]),
        attributes=MappingProxyType(dict(row["attrs"])),
        numbers=MappingProxyType({k: float(v) for k, v in dict(row["numbers"]).items()}),
        bools=MappingProxyType({k: bool(v) for k, v in dict(row["bools"]).items()}),
        resource=MappingProxyType(row_resource(row)),
        exceptions=exceptions,
    )


def stored_log_from_row(row: Mapping[str, Any]) -> StoredLog:
    return StoredLog(
        time_ns=int(row["time_ns"]),
        observed_ns=int(row["observed_ns"]),
        severity_text=row["severity_text"],
        severity_number=int(row["severity_number"]),
        body=row_body(row),
        trace_id=row["trace_id"],
        span_id=row["span_id"],
        flags=int(row["trace_flags"]),
        attributes=MappingProxyType(dict(row["attrs"])),
        numbers=MappingProxyType({k: float(v) for k, v in dict(row["numbers"]).items()}),
        bools=MappingProxyType({k: bool(v) for k, v in dict(row["bools"]).items()}),
        resource=MappingProxyType(row_resource(row)),
        scope_name=row["scope_name"],
        scope_version=row["scope_version"],
        scope_attributes=MappingProxyType(dict(row["scope_attrs"])),
    )
