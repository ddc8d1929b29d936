"""Telemetry as the OpenTelemetry collector's file exporter writes it: one JSON object a line.

Each line holds one export batch (a minute of spans, or of logs), grouped by resource and
instrumentation scope as the collector's batch processor groups them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby
from typing import Any, TypeVar

from tests.incidents.generator.model import NS_PER_S, Instance, LogRecord, Span, Telemetry
from tests.support.otlp_documents import attributes, event

BATCH_NS = 60 * NS_PER_S
_T = TypeVar("_T")


def telemetry_lines(telemetry: Telemetry) -> Iterator[str]:
    """The JSON lines of `telemetry`, batch by batch in time order."""
    span_batches = _batches(telemetry.spans, lambda span: span.end_ns)
    log_batches = _batches(telemetry.logs, lambda record: record.time_ns)
    for minute in sorted(span_batches.keys() | log_batches.keys()):
        if minute in span_batches:
            yield _dumps(spans_document(span_batches[minute]))
        if minute in log_batches:
            yield _dumps(logs_document(log_batches[minute]))


def spans_document(spans: Iterable[Span]) -> dict[str, Any]:
    resource_spans = []
    for instance, of_instance in _by_instance(spans, lambda span: span.instance):
        scopes = [
            {"scope": {"name": scope}, "spans": [encode_span(span) for span in of_scope]}
            for scope, of_scope in groupby(
                sorted(of_instance, key=lambda span: span.scope), key=lambda span: span.scope
            )
        ]
        resource_spans.append(
            {"resource": {"attributes": attributes(instance.resource())}, "scopeSpans": scopes}
        )
    return {"resourceSpans": resource_spans}


def logs_document(records: Iterable[LogRecord]) -> dict[str, Any]:
    resource_logs = []
    for instance, of_instance in _by_instance(records, lambda record: record.instance):
        scopes = [
            {"scope": {"name": scope}, "logRecords": [encode_log(record) for record in of_scope]}
            for scope, of_scope in groupby(
                sorted(of_instance, key=lambda record: record.scope), key=lambda r: r.scope
            )
        ]
        resource_logs.append(
            {"resource": {"attributes": attributes(instance.resource())}, "scopeLogs": scopes}
        )
    return {"resourceLogs": resource_logs}


def encode_span(span: Span) -> dict[str, Any]:
    result: dict[str, Any] = {
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": span.kind,
        "startTimeUnixNano": str(span.start_ns),
        "endTimeUnixNano": str(span.end_ns),
        "attributes": attributes(span.attributes),
        "status": {},
    }
    if span.parent_id:
        result["parentSpanId"] = span.parent_id
    if span.status:
        result["status"]["code"] = span.status
    if span.status_message:
        result["status"]["message"] = span.status_message
    if span.exception is not None:
        result["events"] = [
            event("exception", span.exception_ns, span.exception.event_attributes())
        ]
    return result


def encode_log(record: LogRecord) -> dict[str, Any]:
    result: dict[str, Any] = {
        "timeUnixNano": str(record.time_ns),
        "observedTimeUnixNano": str(record.time_ns + 1_500_000),
        "severityNumber": record.severity_number,
        "severityText": record.severity,
        "body": {"stringValue": record.body},
    }
    if record.trace_id:
        result["traceId"] = record.trace_id
        result["spanId"] = record.span_id
    if record.attributes:
        result["attributes"] = attributes(dict(record.attributes))
    return result


def _batches(items: Iterable[_T], time_of: Callable[[_T], int]) -> dict[int, list[_T]]:
    batches: dict[int, list[_T]] = {}
    for item in sorted(items, key=time_of):
        batches.setdefault(time_of(item) // BATCH_NS, []).append(item)
    return batches


def _by_instance(
    items: Iterable[_T], instance_of: Callable[[_T], Instance]
) -> list[tuple[Instance, list[_T]]]:
    grouped: dict[str, tuple[Instance, list[_T]]] = {}
    for item in items:
        instance = instance_of(item)
        grouped.setdefault(instance.instance_id, (instance, []))[1].append(item)
    return [grouped[key] for key in sorted(grouped)]


def _dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"))
