"""Reading generated traces back: grouping by trace and finding where errors start."""

from __future__ import annotations

from collections import defaultdict

from aisher.demo import FaultKind, Scenario
from aisher.telemetry import SpanRecord


def traces(scenario: Scenario) -> dict[str, list[SpanRecord]]:
    out: dict[str, list[SpanRecord]] = defaultdict(list)
    for span in scenario.spans:
        out[span.trace_id].append(span)
    return out


def deepest_errors(spans: list[SpanRecord]) -> list[SpanRecord]:
    """Error spans none of whose children is an error: where the failure was first seen."""
    errors = [span for span in spans if span.has_error]
    failing_parents = {span.parent_span_id for span in errors}
    return [span for span in errors if span.span_id not in failing_parents]


def incident_fault_traces(scenario: Scenario) -> list[list[SpanRecord]]:
    by_trace = traces(scenario)
    start = scenario.window.start_ns
    return [
        by_trace[trace_id]
        for trace_id in sorted(scenario.fault_trace_ids)
        if min(span.start_ns for span in by_trace[trace_id]) >= start
    ]


def origin_holds(scenario: Scenario, spans: list[SpanRecord]) -> bool:
    """Whether a faulty trace shows its failure starting where the ground truth says.

    An external outage starts at the caller's client spans to the API; a timeout cascade at a
    slow, non-failing server span of the slow service whose caller gave up on it; anything
    else at a deepest error span of the root-cause service.
    """
    truth = scenario.truth
    if truth.fault_kind is FaultKind.EXTERNAL_OUTAGE:
        return any(
            span.kind == "Client"
            and span.service == truth.caller_service
            and span.attributes.get("peer.service") == truth.dependency
            for span in deepest_errors(spans)
        )
    if truth.fault_kind is FaultKind.TIMEOUT_CASCADE:
        by_id = {span.span_id: span for span in spans}
        return any(
            span.service == truth.root_cause_service
            and span.kind == "Server"
            and not span.has_error
            and by_id[span.parent_span_id].has_error
            and by_id[span.parent_span_id].duration_ns < span.duration_ns
            for span in spans
            if not span.is_root
        )
    return any(span.service == truth.root_cause_service for span in deepest_errors(spans))
