"""Build SpanRecords for hand-made traces in unit tests, with readable defaults."""

from __future__ import annotations

import itertools
from types import MappingProxyType

from aisher.telemetry import STATUS_ERROR, STATUS_OK, ExceptionRecord, SpanRecord

BASE_NS = 1_700_000_000_000_000_000
_trace_numbers = itertools.count(1)


class TraceBuilder:
    """Spans of one trace; `span()` returns the new span's id for use as a parent."""

    def __init__(self, trace_id: str | None = None, start_ns: int = BASE_NS) -> None:
        self.trace_id = trace_id or f"{next(_trace_numbers):032x}"
        self.start_ns = start_ns
        self.spans: list[SpanRecord] = []

    def span(
        self,
        service: str,
        operation: str,
        *,
        parent: str = "",
        kind: str = "Server",
        error: bool = False,
        duration_ms: float = 10.0,
        message: str = "",
        exception: tuple[str, str] | None = None,
        stacktrace: str = "",
        attributes: dict[str, str] | None = None,
        version: str = "",
        offset_ms: float = 0.0,
    ) -> str:
        span_id = f"{len(self.spans) + 1:016x}"
        exceptions: tuple[ExceptionRecord, ...] = ()
        if exception is not None:
            exceptions = (
                ExceptionRecord(
                    type=exception[0],
                    message=exception[1],
                    stacktrace=stacktrace,
                    escaped=True,
                    group_id=f"{hash((service, exception)) & (2**128 - 1):032x}",
                ),
            )
        self.spans.append(
            SpanRecord(
                trace_id=self.trace_id,
                span_id=span_id,
                parent_span_id=parent,
                service=service,
                operation=operation,
                kind=kind,
                start_ns=self.start_ns + int(offset_ms * 1e6),
                duration_ns=int(duration_ms * 1e6),
                status_code=STATUS_ERROR if error else STATUS_OK,
                status_message=message,
                attributes=MappingProxyType(attributes or {}),
                resource=MappingProxyType({"service.version": version} if version else {}),
                exceptions=exceptions,
            )
        )
        return span_id
