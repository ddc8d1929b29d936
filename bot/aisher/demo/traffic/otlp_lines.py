"""Drafts → OTLP/JSON lines, in the OpenTelemetry collector file exporter's format.

Each line is one export batch: `{"resourceSpans": [...]}` or `{"resourceLogs": [...]}`, grouped
by resource (pod) and then by instrumentation scope. Ids are lowercase hex, times are decimal
strings of Unix nanoseconds, 64-bit integers are strings (proto3 JSON), span kinds and status
codes are the protocol's integers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from aisher.demo.traffic.drafts import (
    SEVERITY_NUMBERS,
    STATUS_UNSET,
    AttrValue,
    LogDraft,
    Pod,
    SpanDraft,
)

BATCH_NS = 10 * 1_000_000_000  # the collector flushes a batch every few seconds
JsonObject = dict[str, Any]
_Draft = TypeVar("_Draft", SpanDraft, LogDraft)


def any_value(value: AttrValue) -> JsonObject:
    """A typed OTLP AnyValue; bool is tested before int because bool is an int in Python."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def key_values(attributes: Mapping[str, AttrValue]) -> list[JsonObject]:
    return [{"key": key, "value": any_value(value)} for key, value in attributes.items()]


def _span(span: SpanDraft) -> JsonObject:
    out: JsonObject = {
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "name": span.name,
        "kind": int(span.kind),
        "startTimeUnixNano": str(span.start_ns),
        "endTimeUnixNano": str(span.end_ns),
        "attributes": key_values(span.attributes),
    }
    if span.parent_span_id:
        out["parentSpanId"] = span.parent_span_id
    if span.events:
        out["events"] = [
            {
                "timeUnixNano": str(event.time_ns),
                "name": "exception",
                "attributes": key_values(
                    {
                        "exception.type": event.thrown.type,
                        "exception.message": event.thrown.message,
                        "exception.stacktrace": event.thrown.stacktrace,
                        "exception.escaped": event.escaped,
                    }
                ),
            }
            for event in span.events
        ]
    status: JsonObject = {}
    if span.status != STATUS_UNSET:
        status["code"] = span.status
        if span.status_message:
            status["message"] = span.status_message
    out["status"] = status
    return out


def _log(line: LogDraft) -> JsonObject:
    out: JsonObject = {
        "timeUnixNano": str(line.time_ns),
        "observedTimeUnixNano": str(line.time_ns + 1_500_000),
        "severityNumber": SEVERITY_NUMBERS[line.severity],
        "severityText": line.severity,
        "body": {"stringValue": line.body},
        "attributes": key_values(line.attributes),
    }
    if line.trace_id:
        out["traceId"] = line.trace_id
        out["spanId"] = line.span_id
        out["flags"] = 1
    return out


# The keys of one signal's export document: resource list, scope list, record list.
_SPAN_KEYS = ("resourceSpans", "scopeSpans", "spans")
_LOG_KEYS = ("resourceLogs", "scopeLogs", "logRecords")


def span_lines(spans: Sequence[SpanDraft]) -> list[str]:
    """The spans as export documents, one a line, batched by when each span ended."""
    return _lines(
        spans,
        lambda span: span.end_ns,
        lambda span: (span.pod, span.scope, _span(span)),
        _SPAN_KEYS,
    )


def log_lines(logs: Sequence[LogDraft]) -> list[str]:
    """The log records as export documents, one a line, batched by when each was written."""
    return _lines(
        logs, lambda line: line.time_ns, lambda line: (line.pod, line.logger, _log(line)), _LOG_KEYS
    )


def _lines(
    drafts: Sequence[_Draft],
    finished: Callable[[_Draft], int],
    encode: Callable[[_Draft], tuple[Pod, str, JsonObject]],
    keys: tuple[str, str, str],
) -> list[str]:
    """One document per export batch; `encode` gives a draft's pod, scope and OTLP record."""
    lines = []
    for indexes in _batches([finished(draft) for draft in drafts]).values():
        grouped = _grouped((encode(drafts[i]) for i in indexes), keys)
        lines.append(json.dumps({keys[0]: grouped}, separators=(",", ":")))
    return lines


def _batches(times: Sequence[int]) -> dict[int, list[int]]:
    """Indexes of items per export batch, by the time the item was finished."""
    out: dict[int, list[int]] = {}
    for index, time_ns in enumerate(times):
        out.setdefault(time_ns // BATCH_NS, []).append(index)
    return dict(sorted(out.items()))


def _grouped(
    items: Iterable[tuple[Pod, str, JsonObject]], keys: tuple[str, str, str]
) -> list[JsonObject]:
    """resource → scope → records, keeping first-seen order so output is deterministic."""
    by_pod: dict[str, tuple[Pod, dict[str, list[JsonObject]]]] = {}
    for pod, scope, record in items:
        scopes = by_pod.setdefault(pod.name, (pod, {}))[1]
        scopes.setdefault(scope, []).append(record)
    _, scope_key, records_key = keys
    return [
        {
            "resource": {"attributes": key_values(pod.resource)},
            scope_key: [
                {"scope": {"name": name}, records_key: group} for name, group in scopes.items()
            ],
        }
        for pod, scopes in by_pod.values()
    ]
