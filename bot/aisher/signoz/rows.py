"""Rows for SigNoz's tables, ready for a column-wise insert.

Each table's columns are listed in the exporter's INSERT order; rows are tuples in that order.
Only the columns the collector writes are listed: ClickHouse fills the DEFAULT columns
(`resource_string_service$$name`, `attribute_string_*`, `*_exists`, `_retention_days`) and the
ALIAS columns are computed at read. The JSON-typed `resource` column is left to its default;
readers fall back to `resources_string`, which the exporter still writes.

DateTime64(9) values (`timestamp` of spans and errors) are ints of epoch nanoseconds:
clickhouse-connect writes an int as the column's raw tick count, which for precision 9 is
exactly nanoseconds, while a `datetime` would lose everything below the microsecond.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from aisher.signoz.import_limits import DEFAULT_LIMITS, ImportLimits

Row: TypeAlias = tuple[Any, ...]
Signal: TypeAlias = Literal["traces", "logs"]

SPAN_COLUMNS = (
    "ts_bucket_start",
    "resource_fingerprint",
    "timestamp",
    "trace_id",
    "span_id",
    "trace_state",
    "parent_span_id",
    "flags",
    "name",
    "kind",
    "kind_string",
    "duration_nano",
    "status_code",
    "status_message",
    "status_code_string",
    "attributes_string",
    "attributes_number",
    "attributes_bool",
    "resources_string",
    "events",
    "links",
    "response_status_code",
    "external_http_url",
    "http_url",
    "external_http_method",
    "http_method",
    "http_host",
    "db_name",
    "db_operation",
    "has_error",
    "is_remote",
)
ERROR_COLUMNS = (
    "timestamp",
    "errorID",
    "groupID",
    "traceID",
    "spanID",
    "serviceName",
    "exceptionType",
    "exceptionMessage",
    "exceptionStacktrace",
    "exceptionEscaped",
    "resourceTagsMap",
)
RESOURCE_COLUMNS = ("labels", "fingerprint", "seen_at_ts_bucket_start")
LOG_COLUMNS = (
    "ts_bucket_start",
    "resource_fingerprint",
    "timestamp",
    "observed_timestamp",
    "id",
    "trace_id",
    "span_id",
    "trace_flags",
    "severity_text",
    "severity_number",
    "body",
    "attributes_string",
    "attributes_number",
    "attributes_bool",
    "resources_string",
    "scope_name",
    "scope_version",
    "scope_string",
)


@dataclass(frozen=True, slots=True)
class SigNozTable:
    """A local table the loader writes, which database it lives in, and its column order."""

    name: str
    signal: Signal
    columns: tuple[str, ...]


SPANS = SigNozTable("signoz_index_v3", "traces", SPAN_COLUMNS)
ERRORS = SigNozTable("signoz_error_index_v2", "traces", ERROR_COLUMNS)
SPAN_RESOURCES = SigNozTable("traces_v3_resource", "traces", RESOURCE_COLUMNS)
LOGS = SigNozTable("logs_v2", "logs", LOG_COLUMNS)
LOG_RESOURCES = SigNozTable("logs_v2_resource", "logs", RESOURCE_COLUMNS)
TABLES = (SPANS, ERRORS, SPAN_RESOURCES, LOGS, LOG_RESOURCES)


@dataclass(frozen=True, slots=True)
class SigNozBatch:
    """The rows one OTLP document becomes, one tuple of rows per table."""

    spans: tuple[Row, ...] = ()
    errors: tuple[Row, ...] = ()
    span_resources: tuple[Row, ...] = ()
    logs: tuple[Row, ...] = ()
    log_resources: tuple[Row, ...] = ()

    def by_table(self) -> Iterator[tuple[SigNozTable, tuple[Row, ...]]]:
        """Each table with its rows, in `TABLES` order."""
        yield SPANS, self.spans
        yield ERRORS, self.errors
        yield SPAN_RESOURCES, self.span_resources
        yield LOGS, self.logs
        yield LOG_RESOURCES, self.log_resources

    @property
    def row_count(self) -> int:
        return sum(len(rows) for _, rows in self.by_table())


# Where the loader finds a row's identity: a span is (trace_id, span_id), and so is the span an
# error row belongs to.
SPAN_KEY_COLUMNS = (SPAN_COLUMNS.index("trace_id"), SPAN_COLUMNS.index("span_id"))
ERROR_KEY_COLUMNS = (ERROR_COLUMNS.index("traceID"), ERROR_COLUMNS.index("spanID"))
SPAN_BUCKET_COLUMN = SPAN_COLUMNS.index("ts_bucket_start")


def span_key(row: Row) -> tuple[str, str]:
    """The (trace_id, span_id) of a `signoz_index_v3` row."""
    return row[SPAN_KEY_COLUMNS[0]], row[SPAN_KEY_COLUMNS[1]]


def error_span_key(row: Row) -> tuple[str, str]:
    """The (trace_id, span_id) of the span a `signoz_error_index_v2` row belongs to."""
    return row[ERROR_KEY_COLUMNS[0]], row[ERROR_KEY_COLUMNS[1]]


@dataclass(slots=True)
class RowBuffer:
    """Rows collected while converting one document; resource rows are kept once each.

    A span repeated within the document is kept once (its first time), with its error rows.
    """

    limits: ImportLimits = DEFAULT_LIMITS
    span_keys: set[tuple[str, str]] = field(default_factory=set)
    spans: list[Row] = field(default_factory=list)
    errors: list[Row] = field(default_factory=list)
    logs: list[Row] = field(default_factory=list)
    span_resources: dict[Row, None] = field(default_factory=dict)
    log_resources: dict[Row, None] = field(default_factory=dict)

    def first_sighting(self, trace_id: str, span_id: str) -> bool:
        """Whether this span is new to the document (and remember it)."""
        key = (trace_id, span_id)
        if key in self.span_keys:
            return False
        self.span_keys.add(key)
        return True

    def freeze(self) -> SigNozBatch:
        return SigNozBatch(
            spans=tuple(self.spans),
            errors=tuple(self.errors),
            span_resources=tuple(self.span_resources),
            logs=tuple(self.logs),
            log_resources=tuple(self.log_resources),
        )
