"""Drafts → the `aisher.telemetry` records the analysis reads, as the SigNoz store returns them.

Only the attributes the store reads are kept (`SPAN_ATTRIBUTE_KEYS`, `RESOURCE_ATTRIBUTE_KEYS`),
numbers become strings as in ClickHouse's string maps, and each exception gets SigNoz's
`groupID` (md5 of service, type and message).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from aisher.demo.traffic.drafts import KIND_NAMES, AttrValue, LogDraft, Pod, SpanDraft
from aisher.telemetry import (
    RESOURCE_ATTRIBUTE_KEYS,
    SPAN_ATTRIBUTE_KEYS,
    ExceptionRecord,
    LogRecord,
    SpanRecord,
)

_SPAN_KEYS = frozenset(SPAN_ATTRIBUTE_KEYS)


def _text(value: AttrValue) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def group_id(service: str, type_: str, message: str) -> str:
    """SigNoz's exception group: md5 of service name, exception type and message."""
    return hashlib.md5(f"{service}{type_}{message}".encode(), usedforsecurity=False).hexdigest()


def _resource(pod: Pod) -> Mapping[str, str]:
    keys = (key for key in RESOURCE_ATTRIBUTE_KEYS if key in pod.resource)
    return MappingProxyType({key: _text(pod.resource[key]) for key in keys})


def span_record(span: SpanDraft, resource: Mapping[str, str] | None = None) -> SpanRecord:
    """One span as the store would return it; pass `resource` to share one map per pod."""
    service = span.pod.service.name
    attributes = {k: _text(v) for k, v in span.attributes.items() if k in _SPAN_KEYS}
    response = span.attributes.get("http.response.status_code")
    if response is None:
        response = span.attributes.get("rpc.grpc.status_code", "")
    exceptions = tuple(
        ExceptionRecord(
            type=event.thrown.type,
            message=event.thrown.message,
            stacktrace=event.thrown.stacktrace,
            escaped=event.escaped,
            group_id=group_id(service, event.thrown.type, event.thrown.message),
            time_ns=event.time_ns,
        )
        for event in span.events
    )
    return SpanRecord(
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_span_id=span.parent_span_id,
        service=service,
        operation=span.name,
        kind=KIND_NAMES[span.kind],
        start_ns=span.start_ns,
        duration_ns=span.end_ns - span.start_ns,
        status_code=span.status,
        status_message=span.status_message,
        http_status=_text(response),
        attributes=MappingProxyType(attributes),
        resource=resource if resource is not None else _resource(span.pod),
        exceptions=exceptions,
    )


def span_records(spans: Iterable[SpanDraft]) -> tuple[SpanRecord, ...]:
    resources: dict[str, Mapping[str, str]] = {}
    out = []
    for span in spans:
        resource = resources.get(span.pod.name)
        if resource is None:
            resource = resources[span.pod.name] = _resource(span.pod)
        out.append(span_record(span, resource))
    return tuple(out)


def log_records(logs: Iterable[LogDraft]) -> tuple[LogRecord, ...]:
    return tuple(
        LogRecord(
            time_ns=line.time_ns,
            severity=line.severity,
            service=line.pod.service.name,
            body=line.body,
            trace_id=line.trace_id,
            span_id=line.span_id,
            log_id=f"{line.time_ns:x}{index:06x}",
            attributes=MappingProxyType({k: _text(v) for k, v in line.attributes.items()}),
        )
        for index, line in enumerate(logs)
    )
