"""Column names of the span and log tables in each SigNoz schema generation.

Queries are written once against these names. v3 spans carry `ts_bucket_start` for partition
pruning; v2 spans do not. Legacy logs store attributes as parallel arrays, rebuilt into maps.
"""

from __future__ import annotations

from dataclasses import dataclass

from aisher.signoz.probe import LogSchema, TraceSchema


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
)


@dataclass(frozen=True, slots=True)
class LogColumns:
    timestamp_ns: str
    service: str
    attributes: str
    bucketed: bool


LOGS_V2 = LogColumns(
    timestamp_ns="timestamp",
    service="resources_string['service.name']",
    attributes="attributes_string",
    bucketed=True,
)

LOGS_LEGACY = LogColumns(
    timestamp_ns="timestamp",
    service="resources_string_value[indexOf(resources_string_key, 'service.name')]",
    attributes="mapFromArrays(attributes_string_key, attributes_string_value)",
    bucketed=False,
)


def span_columns(schema: TraceSchema) -> SpanColumns:
    return SPANS_V3 if schema is TraceSchema.V3 else SPANS_V2


def log_columns(schema: LogSchema) -> LogColumns | None:
    if schema is LogSchema.V2:
        return LOGS_V2
    if schema is LogSchema.LEGACY:
        return LOGS_LEGACY
    return None
