"""Failures only codes and logs show: spans with an unset status still count as failing."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.failures import mark_failures
from aisher.telemetry import LogRecord, ServiceStats, SpanRecord
from tests.analysis.evidence.test_ranking import WINDOW
from tests.support.traces import TraceBuilder


def unset(
    service: str, kind: str = "Server", *, http_status: str = "", grpc: str = ""
) -> SpanRecord:
    """A span whose status was left unset, with an HTTP status or a gRPC code."""
    trace = TraceBuilder()
    trace.span(
        service, "op", kind=kind, attributes={"rpc.grpc.status_code": grpc} if grpc else None
    )
    return dataclasses.replace(trace.spans[-1], http_status=http_status)


def error_log(span: SpanRecord, body: str, **attributes: str) -> LogRecord:
    return LogRecord(
        time_ns=span.start_ns + 1,
        severity="ERROR",
        service=span.service,
        body=body,
        trace_id=span.trace_id,
        span_id=span.span_id,
        attributes=MappingProxyType(attributes),
    )


class TestMarkFailures:
    def test_server_error_codes_fail_an_unset_span(self) -> None:
        """An HTTP 5xx, or a gRPC code that means the server failed, makes the span fail."""
        spans = [
            unset("a", http_status="503"),
            unset("b", grpc="14"),
            unset("c", kind="Client", grpc="5"),
        ]
        assert [span.has_error for span in mark_failures(spans)] == [True, True, True]

    def test_client_errors_of_a_server_do_not(self) -> None:
        """A 404, or NOT_FOUND answered by a gRPC server, is not the server failing."""
        spans = [unset("a", http_status="404"), unset("b", grpc="5")]
        assert not any(span.has_error for span in mark_failures(spans))

    def test_an_error_log_fails_its_span_with_its_words(self) -> None:
        """A span with an ERROR log fails with the log's body, or the exception it records."""
        plain, recorded = unset("a"), unset("b")
        marked = mark_failures(
            [plain, recorded],
            [
                error_log(plain, "ledger write failed: disk quota exceeded"),
                error_log(
                    recorded,
                    "unhandled",
                    **{"exception.type": "IOError", "exception.message": "quota"},
                ),
            ],
        )
        assert marked[0].has_error
        assert marked[0].status_message == "ledger write failed: disk quota exceeded"
        assert marked[1].exceptions[0].type == "IOError"

    def test_log_only_failures_are_analysed(self) -> None:
        """Traces that fail only in their logs get origins, groups and a suspect."""
        spans: list[SpanRecord] = []
        logs: list[LogRecord] = []
        for _ in range(4):
            trace = TraceBuilder()
            root = trace.span("api", "POST /orders")
            trace.span("ledger", "write", parent=root, kind="Internal")
            spans += trace.spans
            logs.append(error_log(trace.spans[-1], "ledger write failed: disk quota exceeded"))
        stats = [ServiceStats("api", 100, 0, 100, 0), ServiceStats("ledger", 100, 0, 100, 0)]
        evidence = build_evidence("api", WINDOW, spans, stats, error_logs=logs)
        assert evidence.failing_traces == 4
        assert evidence.suspects[0].service == "ledger"
        assert "disk quota" in evidence.groups[0].message_template
