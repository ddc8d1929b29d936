"""Plain records read from the SigNoz store: spans, exceptions, logs and per-service aggregates.

The data layer produces these and the analysis consumes them; none of them does I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

STATUS_UNSET, STATUS_OK, STATUS_ERROR = 0, 1, 2


def _empty_mapping() -> Mapping[str, str]:
    return MappingProxyType({})


# Span attributes the analysis reads; everything else stays in ClickHouse.
SPAN_ATTRIBUTE_KEYS = (
    "peer.service",
    "server.address",
    "server.port",
    "net.peer.name",
    "db.system",
    "db.name",
    "db.statement",
    "db.query.text",
    "db.operation",
    "http.route",
    "http.request.method",
    "http.method",
    "http.response.status_code",
    "http.status_code",
    "url.full",
    "http.url",
    "rpc.system",
    "rpc.service",
    "rpc.method",
    "rpc.grpc.status_code",
    "messaging.system",
    "messaging.destination.name",
    "error.type",
    "exception.type",
)
# Resource attributes the analysis reads (deploys show up as service.version changes).
RESOURCE_ATTRIBUTE_KEYS = (
    "service.version",
    "deployment.environment",
    "deployment.environment.name",
    "host.name",
    "k8s.pod.name",
    "k8s.namespace.name",
    "service.instance.id",
)


@dataclass(frozen=True, slots=True)
class ExceptionRecord:
    """One exception event of a span, as SigNoz's error index stores it."""

    type: str
    message: str
    stacktrace: str = ""
    escaped: bool = False
    group_id: str = ""
    time_ns: int = 0


@dataclass(frozen=True, slots=True)
class SpanRecord:
    """One span with the columns the analysis needs."""

    trace_id: str
    span_id: str
    parent_span_id: str
    service: str
    operation: str
    kind: str
    start_ns: int
    duration_ns: int
    status_code: int
    status_message: str = ""
    http_status: str = ""
    attributes: Mapping[str, str] = field(default_factory=_empty_mapping)
    resource: Mapping[str, str] = field(default_factory=_empty_mapping)
    exceptions: tuple[ExceptionRecord, ...] = ()

    @property
    def has_error(self) -> bool:
        return self.status_code == STATUS_ERROR

    @property
    def is_root(self) -> bool:
        return not self.parent_span_id

    @property
    def duration_ms(self) -> float:
        return self.duration_ns / 1e6

    @property
    def version(self) -> str:
        return self.resource.get("service.version", "")

    @property
    def peer(self) -> str:
        """The remote side of a client call, as the instrumentation named it (or '')."""
        for key in ("peer.service", "db.system", "messaging.system", "server.address"):
            value = self.attributes.get(key, "")
            if value:
                return value
        return self.attributes.get("net.peer.name", "")


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log line, related to a failing trace."""

    time_ns: int
    severity: str
    service: str
    body: str
    trace_id: str = ""
    span_id: str = ""
    log_id: str = ""
    attributes: Mapping[str, str] = field(default_factory=_empty_mapping)


@dataclass(frozen=True, slots=True)
class ServiceStats:
    """Span and error counts of one service in the window and in the baseline before it."""

    service: str
    spans: int
    errors: int
    baseline_spans: int
    baseline_errors: int

    @property
    def error_rate(self) -> float:
        return self.errors / self.spans if self.spans else 0.0

    @property
    def baseline_error_rate(self) -> float:
        return self.baseline_errors / self.baseline_spans if self.baseline_spans else 0.0


@dataclass(frozen=True, slots=True)
class CallEdge:
    """Calls from one service to another (or to an uninstrumented dependency) in the window."""

    caller: str
    callee: str
    calls: int
    errors: int
    external: bool = False


@dataclass(frozen=True, slots=True)
class VersionSeen:
    """A `service.version` seen on a service's spans, and when."""

    service: str
    version: str
    first_seen_ns: int
    last_seen_ns: int
    spans: int


@dataclass(frozen=True, slots=True)
class GroupHistory:
    """Past occurrences of one SigNoz exception group (`groupID`)."""

    group_id: str
    occurrences: int
    first_seen_ns: int
    last_seen_ns: int
    days_seen: int


def index_spans(spans: Iterable[SpanRecord]) -> dict[str, SpanRecord]:
    """Spans by span id, for walking parent links."""
    return {span.span_id: span for span in spans}


def parent_chain(by_id: Mapping[str, SpanRecord], span_id: str) -> list[SpanRecord]:
    """The span and its parents up to the root, the span first; stops at gaps and cycles."""
    chain: list[SpanRecord] = []
    seen: set[str] = set()
    current = by_id.get(span_id)
    while current is not None and current.span_id not in seen:
        chain.append(current)
        seen.add(current.span_id)
        current = by_id.get(current.parent_span_id) if current.parent_span_id else None
    return chain
