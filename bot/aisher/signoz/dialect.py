"""Column names of the span and log tables in each SigNoz schema generation.

Queries are written once against these names. v3 spans carry `ts_bucket_start` for partition
pruning; v2 spans do not. Legacy logs store attributes as parallel arrays, rebuilt into maps.

Optional columns are decided here from what the schema probe found (`span_columns_for`,
`log_columns_for`): the `resource` JSON column (traces 1006, logs 1004) answers the service name
and resource attributes of rows whose `resources_string` map is empty, and `body_v2` /
`body_promoted` (logs 2001) hold the body of structured logs whose `body` is ''. An install
without them is read from the older columns alone; no statement names a column that is not there.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from aisher.signoz.probe import LogSchema, SchemaInfo, TraceSchema

# Resource keys are our constants; refuse anything that could leave the backquotes.
_RESOURCE_KEY = re.compile(r"^[A-Za-z0-9_.\-]+$")


def _prefix(alias: str) -> str:
    return f"{alias}." if alias else ""


def json_path_text(alias: str, column: str, key: str) -> str:
    """A JSON column's path as a String ('' where the row lacks it)."""
    if not _RESOURCE_KEY.match(key):
        raise ValueError(f"not a plain attribute key: {key!r}")
    return f"toString({_prefix(alias)}{column}.`{key}`)"


def with_fallback(primary: str, fallback: str | None) -> str:
    """`primary`, or `fallback` on rows where it is ''."""
    if fallback is None:
        return primary
    return f"if({primary} != '', {primary}, {fallback})"


@dataclass(frozen=True, slots=True)
class SpanColumns:
    trace_id: str
    span_id: str
    parent_span_id: str
    service: str
    kind: str
    duration: str
    status_code: str
    status_message: str
    has_error: str
    http_status: str
    attributes: str
    numbers: str
    resources: str
    bucketed: bool
    bools: str
    flags: str | None  # None: the generation does not store it
    trace_state: str | None
    resource_json: bool = False  # the table has the `resource` JSON column

    def service_of(self, alias: str = "") -> str:
        """The span's service name, from the JSON resource where the map has none."""
        return self.resource_of("service.name", alias, column=f"{_prefix(alias)}{self.service}")

    def resource_of(self, key: str, alias: str = "", *, column: str | None = None) -> str:
        """One resource attribute as a String; `column` is a stored copy of it to read first."""
        primary = column or f"{_prefix(alias)}{self.resources}['{key}']"
        fallback = json_path_text(alias, "resource", key) if self.resource_json else None
        return with_fallback(primary, fallback)

    def resource_json_select(self, alias: str = "") -> str | None:
        """A `resource_json` column for rows whose resource map is empty (None: no such column)."""
        if not self.resource_json:
            return None
        a = _prefix(alias)
        return f"if(empty({a}{self.resources}), toJSONString({a}resource), '') AS resource_json"


SPANS_V3 = SpanColumns(
    trace_id="trace_id",
    span_id="span_id",
    parent_span_id="parent_span_id",
    service="`resource_string_service$$name`",
    kind="kind_string",
    duration="duration_nano",
    status_code="status_code",
    status_message="status_message",
    has_error="has_error",
    http_status="response_status_code",
    attributes="attributes_string",
    numbers="attributes_number",
    resources="resources_string",
    bucketed=True,
    bools="attributes_bool",
    flags="flags",
    trace_state="trace_state",
)

SPANS_V2 = SpanColumns(
    trace_id="traceID",
    span_id="spanID",
    parent_span_id="parentSpanID",
    service="serviceName",
    kind="spanKind",
    duration="durationNano",
    status_code="statusCode",
    status_message="statusMessage",
    has_error="hasError",
    http_status="responseStatusCode",
    attributes="stringTagMap",
    numbers="numberTagMap",
    resources="resourceTagsMap",
    bucketed=False,
    bools="boolTagMap",
    flags=None,
    trace_state=None,
)


@dataclass(frozen=True, slots=True)
class LogColumns:
    """Expressions for a log table's values (maps rebuilt from arrays on legacy logs)."""

    timestamp_ns: str
    service: str
    attributes: str
    numbers: str
    bools: str
    resources: str
    scope_attributes: str
    bucketed: bool
    resource_json: bool = False  # the table has the `resource` JSON column
    body_json: bool = False  # the table has `body_v2` (and maybe `body_promoted`)
    body_promoted: bool = False

    def service_of(self) -> str:
        """The log's service name, from the JSON resource where the map has none."""
        fallback = json_path_text("", "resource", "service.name") if self.resource_json else None
        return with_fallback(self.service, fallback)

    def body_selects(self) -> list[str]:
        """`body`, plus the structured halves for rows whose `body` is ''."""
        selects = ["body"]
        if self.body_json:
            selects.append("if(body = '', toJSONString(body_v2), '') AS body_v2_json")
        if self.body_promoted:
            selects.append("if(body = '', toJSONString(body_promoted), '') AS body_promoted_json")
        return selects

    def resource_json_select(self) -> str | None:
        """A `resource_json` column for rows whose resource map is empty (None: no such column)."""
        if not self.resource_json:
            return None
        return f"if(empty({self.resources}), toJSONString(resource), '') AS resource_json"


LOGS_V2 = LogColumns(
    timestamp_ns="timestamp",
    service="resources_string['service.name']",
    attributes="attributes_string",
    numbers="attributes_number",
    bools="attributes_bool",
    resources="resources_string",
    scope_attributes="scope_string",
    bucketed=True,
)

LOGS_LEGACY = LogColumns(
    timestamp_ns="timestamp",
    service="resources_string_value[indexOf(resources_string_key, 'service.name')]",
    attributes="mapFromArrays(attributes_string_key, attributes_string_value)",
    # Old exporters split numbers into int64 and float64 arrays.
    numbers=(
        "mapUpdate(mapFromArrays(attributes_int64_key,"
        " arrayMap(x -> toFloat64(x), attributes_int64_value)),"
        " mapFromArrays(attributes_float64_key, attributes_float64_value))"
    ),
    bools="mapFromArrays(attributes_bool_key, attributes_bool_value)",
    resources="mapFromArrays(resources_string_key, resources_string_value)",
    scope_attributes="mapFromArrays(scope_string_key, scope_string_value)",
    bucketed=False,
)


def span_columns(schema: TraceSchema) -> SpanColumns:
    """The columns of a schema generation, without any optional column."""
    return SPANS_V3 if schema is TraceSchema.V3 else SPANS_V2


def log_columns(schema: LogSchema) -> LogColumns | None:
    """The columns of a logs generation, without any optional column; None without logs."""
    if schema is LogSchema.V2:
        return LOGS_V2
    if schema is LogSchema.LEGACY:
        return LOGS_LEGACY
    return None


def span_columns_for(schema: SchemaInfo) -> SpanColumns:
    """The span columns of the probed install, with the optional columns it has."""
    columns = span_columns(schema.trace_schema)
    if schema.trace_schema is TraceSchema.V3 and schema.has_column(schema.spans_table, "resource"):
        columns = dataclasses.replace(columns, resource_json=True)
    return columns


def log_columns_for(schema: SchemaInfo) -> LogColumns | None:
    """The log columns of the probed install, with the optional columns it has."""
    columns = log_columns(schema.log_schema)
    table = schema.logs_table
    if columns is None or table is None or schema.log_schema is not LogSchema.V2:
        return columns
    return dataclasses.replace(
        columns,
        resource_json=schema.has_column(table, "resource"),
        body_json=schema.has_column(table, "body_v2"),
        body_promoted=schema.has_column(table, "body_v2")
        and schema.has_column(table, "body_promoted"),
    )
