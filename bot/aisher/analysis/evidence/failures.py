"""Decide which spans failed before anything else looks at them.

A span fails when its status says so, and also when the status was left unset but the span
carries an HTTP 5xx or a gRPC error code (`span_conditions.is_failing`), or an ERROR-or-worse log
was written inside it (matched by trace and span id). Such spans are handed on with an error
status and, when they have no message of their own, the log's words as their status message,
so the rest of the analysis reads every failure the same way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from aisher.signoz.span_conditions import is_failing
from aisher.telemetry import STATUS_ERROR, ExceptionRecord, LogRecord, SpanRecord

_WORST = frozenset({"FATAL", "CRITICAL", "EMERGENCY", "ALERT"})


def error_logs_by_span(logs: Iterable[LogRecord]) -> dict[tuple[str, str], LogRecord]:
    """The worst (then earliest) log of each span among `logs`, which the store selected by
    severity number (ERROR or worse), whatever their severity text says."""
    found: dict[tuple[str, str], LogRecord] = {}
    for log in logs:
        if not log.trace_id or not log.span_id:
            continue
        key = (log.trace_id, log.span_id)
        kept = found.get(key)
        if kept is None or _rank(log) < _rank(kept):
            found[key] = log
    return found


def _rank(log: LogRecord) -> tuple[int, int]:
    return (0 if log.severity.upper() in _WORST else 1, log.time_ns)


def mark_failures(
    spans: Sequence[SpanRecord], error_logs: Iterable[LogRecord] = ()
) -> list[SpanRecord]:
    """The spans, those that fail without an error status given one (see the module doc)."""
    logged = error_logs_by_span(error_logs)
    marked = []
    for span in spans:
        if span.has_error:
            marked.append(span)
            continue
        log = logged.get((span.trace_id, span.span_id))
        if log is not None:
            marked.append(_failed_by_log(span, log))
        elif is_failing(span):
            marked.append(dataclasses.replace(span, status_code=STATUS_ERROR))
        else:
            marked.append(span)
    return marked


def _failed_by_log(span: SpanRecord, log: LogRecord) -> SpanRecord:
    """The span failing with what its error log says: an exception when the log records one."""
    exception_type = log.attributes.get("exception.type", "")
    exceptions = span.exceptions
    if exception_type and not exceptions:
        exceptions = (
            ExceptionRecord(
                type=exception_type,
                message=log.attributes.get("exception.message", "") or log.body,
                stacktrace=log.attributes.get("exception.stacktrace", ""),
                escaped=True,
                time_ns=log.time_ns,
            ),
        )
    return dataclasses.replace(
        span,
        status_code=STATUS_ERROR,
        status_message=span.status_message or log.body,
        exceptions=exceptions,
    )
