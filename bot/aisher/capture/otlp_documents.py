"""Stored spans and logs as OTLP/JSON documents, the collector's file-exporter format.

One document per line, each holding one resource: `resourceSpans` with that resource's spans, or
`resourceLogs` with its records grouped by scope. Long resources are split over several lines so
no line grows without bound. The shapes are what the file exporter writes and what `aisher load`
reads: ids as hex, times as strings of nanoseconds, kinds, status codes and severities as
numbers. Exceptions, which SigNoz keeps in its error index, become `exception` span events
again, so loading the file rebuilds the error index too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any, TypeVar

from aisher.signoz.stored_records import StoredLog, StoredSpan
from aisher.telemetry import ExceptionRecord

RECORDS_PER_DOCUMENT = 500
_INT64 = 1 << 63

Document = dict[str, Any]
_R = TypeVar("_R")


def span_documents(
    spans: Iterable[StoredSpan], per_document: int = RECORDS_PER_DOCUMENT
) -> Iterator[Document]:
    """`resourceSpans` documents: the spans grouped by resource, by trace and start in each."""
    for resource, group in _by_resource(spans, lambda span: span.resource):
        ordered = sorted(group, key=lambda span: (span.trace_id, span.start_ns, span.span_id))
        for chunk in _chunks(ordered, per_document):
            yield {
                "resourceSpans": [
                    {
                        "resource": {"attributes": string_attributes(resource)},
                        "scopeSpans": [{"scope": {}, "spans": [span_json(s) for s in chunk]}],
                    }
                ]
            }


def log_documents(
    logs: Iterable[StoredLog], per_document: int = RECORDS_PER_DOCUMENT
) -> Iterator[Document]:
    """`resourceLogs` documents: the records grouped by resource and scope, oldest first."""
    for resource, group in _by_resource(logs, lambda log: log.resource):
        ordered = sorted(group, key=lambda log: (log.time_ns, log.trace_id, log.span_id))
        for chunk in _chunks(ordered, per_document):
            scopes: dict[tuple[str, str, tuple[tuple[str, str], ...]], list[StoredLog]] = {}
            for log in chunk:
                key = (log.scope_name, log.scope_version, tuple(log.scope_attributes.items()))
                scopes.setdefault(key, []).append(log)
            yield {
                "resourceLogs": [
                    {
                        "resource": {"attributes": string_attributes(resource)},
                        "scopeLogs": [
                            {
                                "scope": _scope(name, version, dict(attributes)),
                                "logRecords": [log_json(log) for log in records],
                            }
                            for (name, version, attributes), records in scopes.items()
                        ],
                    }
                ]
            }


def json_line(document: Document) -> str:
    """One document as a compact JSON line (no trailing newline)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def span_json(span: StoredSpan) -> Document:
    """One span as the file exporter writes it: empty fields left out."""
    result: Document = {
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": span.kind,
        "startTimeUnixNano": str(span.start_ns),
        "endTimeUnixNano": str(span.start_ns + span.duration_ns),
        "status": _status(span.status_code, span.status_message),
    }
    if span.parent_span_id:
        result["parentSpanId"] = span.parent_span_id
    if span.trace_state:
        result["traceState"] = span.trace_state
    if span.flags:
        result["flags"] = span.flags
    attributes = typed_attributes(span.attributes, span.numbers, span.bools)
    if attributes:
        result["attributes"] = attributes
    if span.exceptions:
        result["events"] = [exception_event(exception) for exception in span.exceptions]
    return result


def log_json(log: StoredLog) -> Document:
    result: Document = {
        "timeUnixNano": str(log.time_ns),
        "observedTimeUnixNano": str(log.observed_ns),
        "severityNumber": log.severity_number,
        "body": {"stringValue": log.body},
    }
    if log.severity_text:
        result["severityText"] = log.severity_text
    if log.trace_id:
        result["traceId"] = log.trace_id
    if log.span_id:
        result["spanId"] = log.span_id
    if log.flags:
        result["flags"] = log.flags
    attributes = typed_attributes(log.attributes, log.numbers, log.bools)
    if attributes:
        result["attributes"] = attributes
    return result


def exception_event(exception: ExceptionRecord) -> Document:
    """An exception from the error index as the `exception` span event it was made from."""
    values = {
        "exception.type": exception.type,
        "exception.message": exception.message,
        "exception.stacktrace": exception.stacktrace,
        "exception.escaped": "true" if exception.escaped else "false",
    }
    event: Document = {"name": "exception"}
    if exception.time_ns:
        event["timeUnixNano"] = str(exception.time_ns)
    event["attributes"] = string_attributes({k: v for k, v in values.items() if v})
    return event


def string_attributes(values: Mapping[str, str]) -> list[Document]:
    return [{"key": key, "value": {"stringValue": value}} for key, value in sorted(values.items())]


def typed_attributes(
    strings: Mapping[str, str], numbers: Mapping[str, float], bools: Mapping[str, bool]
) -> list[Document]:
    """Attributes by type; SigNoz keeps every number as a double, whole ones go out as ints."""
    result = string_attributes(strings)
    result += [{"key": key, "value": number_value(value)} for key, value in sorted(numbers.items())]
    result += [{"key": key, "value": {"boolValue": value}} for key, value in sorted(bools.items())]
    return result


def number_value(value: float) -> Document:
    if value.is_integer() and -_INT64 <= value < _INT64:
        return {"intValue": str(int(value))}
    return {"doubleValue": value}


def _status(code: int, message: str) -> Document:
    status: Document = {}
    if code:
        status["code"] = code
    if message:
        status["message"] = message
    return status


def _scope(name: str, version: str, attributes: Mapping[str, str]) -> Document:
    scope: Document = {}
    if name:
        scope["name"] = name
    if version:
        scope["version"] = version
    if attributes:
        scope["attributes"] = string_attributes(attributes)
    return scope


def _by_resource(
    records: Iterable[_R], resource_of: Callable[[_R], Mapping[str, str]]
) -> list[tuple[Mapping[str, str], list[_R]]]:
    """Records grouped by equal resources, groups in order of first appearance."""
    groups: dict[tuple[tuple[str, str], ...], list[_R]] = {}
    resources: dict[tuple[tuple[str, str], ...], Mapping[str, str]] = {}
    for record in records:
        resource = resource_of(record)
        key = tuple(sorted(resource.items()))
        groups.setdefault(key, []).append(record)
        resources.setdefault(key, resource)
    return [(resources[key], group) for key, group in groups.items()]


def _chunks(items: list[_R], size: int) -> Iterator[list[_R]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
