"""Group error spans that fail the same way, and describe each span's failure uniformly."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aisher.analysis.evidence.message_templates import normalize_message
from aisher.analysis.evidence.model import ErrorGroup
from aisher.telemetry import ExceptionRecord, SpanRecord

SAMPLES_PER_GROUP = 3


@dataclass(frozen=True, slots=True)
class Failure:
    """How one error span failed, whether or not it carries an exception event."""

    exception_type: str
    message: str
    stacktrace: str
    group_id: str


def describe_span_failure(span: SpanRecord) -> Failure:
    """The span's escaped exception (or its last one), else what its status tells."""
    exception = _main_exception(span.exceptions)
    if exception is not None:
        return Failure(exception.type, exception.message, exception.stacktrace, exception.group_id)
    error_type = span.attributes.get("error.type") or span.attributes.get("exception.type", "")
    if not error_type and span.http_status and span.http_status[:1] in "45":
        error_type = f"HTTP {span.http_status}"
    grpc = span.attributes.get("rpc.grpc.status_code", "")
    if not error_type and grpc and grpc != "0":
        error_type = f"gRPC status {grpc}"
    return Failure(error_type or "error status", span.status_message, "", "")


def _main_exception(exceptions: tuple[ExceptionRecord, ...]) -> ExceptionRecord | None:
    for exception in exceptions:
        if exception.escaped:
            return exception
    return exceptions[-1] if exceptions else None


def group_key(service: str, operation: str, exception_type: str, template: str) -> str:
    digest = hashlib.sha256("\x1f".join((service, operation, exception_type, template)).encode())
    return digest.hexdigest()[:16]


class GroupKeyer:
    """The error group of a failing span: its failure, message template and key.

    `mask` is applied to each message before it is normalised: normalising first would cut
    secrets into pieces (`xoxb-1-…` → `xoxb-<n>-…`) that the masker no longer recognises.
    Templates are cached: the same message recurs across thousands of spans.
    """

    def __init__(self, mask: Callable[[str], str] = str) -> None:
        self._mask = mask
        self._templates: dict[str, str] = {}

    def template(self, message: str) -> str:
        template = self._templates.get(message)
        if template is None:
            template = self._templates[message] = normalize_message(self._mask(message))
        return template

    def parts(self, span: SpanRecord) -> tuple[Failure, tuple[str, str, str, str]]:
        """The span's failure and its group's (service, operation, type, template)."""
        failure = describe_span_failure(span)
        template = self.template(failure.message)
        return failure, (span.service, span.operation, failure.exception_type, template)

    def key(self, span: SpanRecord) -> str:
        return group_key(*self.parts(span)[1])


class _Accumulator:
    __slots__ = (
        "count",
        "first",
        "group_ids",
        "http_status",
        "last",
        "origins",
        "spans",
        "stacktrace",
        "traces",
        "versions",
    )

    def __init__(self) -> None:
        self.count = 0
        self.origins = 0
        self.first = 0
        self.last = 0
        self.traces: dict[str, None] = {}
        self.spans: list[str] = []
        self.group_ids: dict[str, None] = {}
        self.versions: dict[str, None] = {}
        self.stacktrace = ""
        self.http_status = ""


def group_errors(
    spans: Iterable[SpanRecord],
    origins: frozenset[tuple[str, str]],
    mask: Callable[[str], str] = str,
    *,
    keyer: GroupKeyer | None = None,
) -> list[ErrorGroup]:
    """Error groups of the error spans, origins first, then most frequent first.

    `origins` holds the (trace id, span id) of every origin span. `mask` is applied to each
    message before it is normalised (see `GroupKeyer`; pass a `keyer` to share its cache).
    """
    keyer = keyer or GroupKeyer(mask)
    accumulators: dict[tuple[str, str, str, str], _Accumulator] = {}
    for span in spans:
        if not span.has_error:
            continue
        failure, key = keyer.parts(span)
        acc = accumulators.get(key)
        if acc is None:
            acc = accumulators[key] = _Accumulator()
            acc.first = span.start_ns
        acc.count += 1
        acc.origins += (span.trace_id, span.span_id) in origins
        acc.first = min(acc.first, span.start_ns)
        acc.last = max(acc.last, span.start_ns)
        acc.traces.setdefault(span.trace_id)
        if len(acc.spans) < SAMPLES_PER_GROUP:
            acc.spans.append(span.span_id)
        if failure.group_id:
            acc.group_ids.setdefault(failure.group_id)
        if span.version:
            acc.versions.setdefault(span.version)
        # Keep the longest trace seen: truncated or frame-less traces are less useful.
        if len(failure.stacktrace) > len(acc.stacktrace):
            acc.stacktrace = failure.stacktrace
        acc.http_status = acc.http_status or span.http_status
    groups = [
        ErrorGroup(
            key=group_key(*key),
            service=key[0],
            operation=key[1],
            exception_type=key[2],
            message_template=key[3],
            count=acc.count,
            trace_count=len(acc.traces),
            origin_count=acc.origins,
            first_seen_ns=acc.first,
            last_seen_ns=acc.last,
            http_status=acc.http_status,
            stacktrace=acc.stacktrace,
            sample_trace_ids=tuple(list(acc.traces)[:SAMPLES_PER_GROUP]),
            sample_span_ids=tuple(acc.spans),
            signoz_group_ids=tuple(acc.group_ids),
            versions=tuple(acc.versions),
        )
        for key, acc in accumulators.items()
    ]
    groups.sort(key=lambda group: (-group.origin_count, -group.count, group.key))
    return groups
