"""Apply masking to a whole evidence bundle, so no secret reaches an LLM, the cache or Slack.

One `Masker` per evidence bundle keeps placeholders stable across the report: the same token in
a log line and in a stack trace becomes the same `<SECRET_n>`.
"""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from aisher.analysis.evidence.model import ErrorGroup, Evidence, Suspect, TraceOrigin
from aisher.analysis.masking.masker import Masker
from aisher.telemetry import ExceptionRecord, LogRecord, SpanRecord


def redact_evidence(evidence: Evidence, masker: Masker | None = None) -> Evidence:
    """A copy of the evidence with every telemetry-derived string masked."""
    masker = masker or Masker()
    return dataclasses.replace(
        evidence,
        groups=tuple(_group(group, masker) for group in evidence.groups),
        origins=tuple(_origin(origin, masker) for origin in evidence.origins),
        suspects=tuple(_suspect(suspect, masker) for suspect in evidence.suspects),
        chain=tuple(redact_span(span, masker) for span in evidence.chain),
        related_logs=tuple(redact_log(log, masker) for log in evidence.related_logs),
    )


def redact_span(span: SpanRecord, masker: Masker, *, stacktraces: bool = True) -> SpanRecord:
    """The span with its texts masked; `stacktraces=False` drops its traces instead."""
    return dataclasses.replace(
        span,
        operation=masker.mask(span.operation),
        status_message=masker.mask(span.status_message),
        attributes=MappingProxyType(masker.mask_attributes(span.attributes)),
        resource=MappingProxyType(masker.mask_attributes(span.resource)),
        exceptions=tuple(
            _exception(exception, masker, stacktraces) for exception in span.exceptions
        ),
    )


def _exception(exception: ExceptionRecord, masker: Masker, stacktraces: bool) -> ExceptionRecord:
    return dataclasses.replace(
        exception,
        type=masker.mask(exception.type),
        message=masker.mask(exception.message),
        stacktrace=masker.mask(exception.stacktrace) if stacktraces else "",
    )


def _group(group: ErrorGroup, masker: Masker) -> ErrorGroup:
    return dataclasses.replace(
        group,
        operation=masker.mask(group.operation),
        exception_type=masker.mask(group.exception_type),
        message_template=masker.mask(group.message_template),
        stacktrace=masker.mask(group.stacktrace),
    )


def _origin(origin: TraceOrigin, masker: Masker) -> TraceOrigin:
    # Origins are counted and cited, never shown in full (their failures live on in the error
    # groups and the representative chain), so they keep only what identifies them; masking
    # the texts of thousands of origin spans would be wasted work.
    span = origin.span
    slim = SpanRecord(
        trace_id=span.trace_id,
        span_id=span.span_id,
        parent_span_id=span.parent_span_id,
        service=span.service,
        operation=masker.mask(span.operation),
        kind=span.kind,
        start_ns=span.start_ns,
        duration_ns=span.duration_ns,
        status_code=span.status_code,
        http_status=span.http_status,
    )
    return dataclasses.replace(origin, span=slim, blamed=masker.mask(origin.blamed))


def _suspect(suspect: Suspect, masker: Masker) -> Suspect:
    return dataclasses.replace(
        suspect,
        service=masker.mask(suspect.service),
        operation=masker.mask(suspect.operation),
        exception_type=masker.mask(suspect.exception_type),
        via=masker.mask(suspect.via),
        reasons=tuple(masker.mask(reason) for reason in suspect.reasons),
    )


def redact_log(log: LogRecord, masker: Masker) -> LogRecord:
    return dataclasses.replace(
        log,
        body=masker.mask(log.body),
        attributes=MappingProxyType(masker.mask_attributes(log.attributes)),
    )
