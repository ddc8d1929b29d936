"""The plain records the incident generator produces: instances, spans, log records, incidents.

Nothing here knows OTLP: `otlp.py` turns these into the collector's file-exporter documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# OTLP span kinds and status codes, by number as the file exporter writes them.
INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER = 1, 2, 3, 4, 5
UNSET, OK, ERROR = 0, 1, 2

NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class Instance:
    """One running replica of a service: what its OTLP resource says about it."""

    service: str
    version: str
    language: str
    pod: str
    host: str
    instance_id: str

    def resource(self) -> dict[str, Any]:
        return {
            "service.name": self.service,
            "service.namespace": "logistics",
            "service.version": self.version,
            "service.instance.id": self.instance_id,
            "deployment.environment": "production",
            "host.name": self.host,
            "k8s.namespace.name": "logistics-prod",
            "k8s.pod.name": self.pod,
            "telemetry.sdk.language": self.language,
            "telemetry.sdk.name": "opentelemetry",
        }


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """An exception as a span event and a log line carry it."""

    exception_type: str
    message: str
    stacktrace: str
    http_status: int | None = None  # the status a server answers with, or a client receives
    grpc_code: int | None = None

    def event_attributes(self) -> dict[str, Any]:
        return {
            "exception.type": self.exception_type,
            "exception.message": self.message,
            "exception.stacktrace": self.stacktrace,
            "exception.escaped": "False",
        }


@dataclass(slots=True)
class Span:
    trace_id: str
    span_id: str
    parent_id: str
    instance: Instance
    scope: str
    name: str
    kind: int
    start_ns: int
    end_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)
    status: int = UNSET
    status_message: str = ""
    exception: ErrorDetail | None = None
    exception_ns: int = 0


@dataclass(frozen=True, slots=True)
class LogRecord:
    time_ns: int
    instance: Instance
    scope: str
    severity: str  # DEBUG, INFO, WARN, ERROR
    body: str
    trace_id: str = ""
    span_id: str = ""
    attributes: tuple[tuple[str, Any], ...] = ()

    @property
    def severity_number(self) -> int:
        return {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17, "FATAL": 21}[self.severity]


@dataclass(frozen=True, slots=True)
class Telemetry:
    """Everything the platform emitted in an incident's baseline and window."""

    spans: tuple[Span, ...]
    logs: tuple[LogRecord, ...]


@dataclass(frozen=True, slots=True)
class IncidentCard:
    """What `incident.yaml` says: the question to ask and the answer that counts."""

    name: str
    kind: str
    service: str
    until: str  # ISO 8601, UTC
    window: str  # "30m", "4m", "1h"
    root_cause: tuple[str, ...]
    notes: str

    def as_yaml_mapping(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "service": self.service,
            "until": self.until,
            "window": self.window,
            "root_cause": list(self.root_cause),
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class Incident:
    card: IncidentCard
    telemetry: Telemetry
