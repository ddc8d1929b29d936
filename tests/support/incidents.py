"""Small evidence bundles and answers for cache and budget tests: one incident, repeatable."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from aisher.analysis.evidence.model import BlameKind, ErrorGroup, Evidence, Suspect
from aisher.analysis.report import Answer, Report, RootCause, TokenUsage
from aisher.analysis.report_builder import build_report
from aisher.telemetry import LogRecord, SpanRecord
from aisher.window import TimeWindow, to_ns

WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(minutes=30))


def make_group(
    service: str,
    operation: str,
    exception_type: str,
    template: str,
    *,
    count: int = 40,
    window: TimeWindow = WINDOW,
    trace_id: str = "a" * 32,
) -> ErrorGroup:
    """An error group with plausible counts, times and sample ids."""
    return ErrorGroup(
        key=f"{service}:{operation}:{exception_type}",
        service=service,
        operation=operation,
        exception_type=exception_type,
        message_template=template,
        count=count,
        trace_count=count // 2,
        origin_count=count // 4,
        first_seen_ns=to_ns(window.start),
        last_seen_ns=to_ns(window.end) - 1,
        sample_trace_ids=(trace_id,),
        sample_span_ids=(trace_id[:16],),
    )


def make_suspect(
    service: str,
    blame: BlameKind = BlameKind.SERVICE,
    *,
    score: float = 0.8,
    symptom: bool = False,
) -> Suspect:
    return Suspect(
        service=service,
        operation="POST /charge",
        blame=blame,
        score=score,
        origin_traces=30,
        origin_share=0.75,
        symptom=symptom,
    )


def checkout_incident(window: TimeWindow = WINDOW, *, scale: int = 1) -> Evidence:
    """payment fails on a missing currency; checkout and frontend pass the error up.

    `scale` and `window` change the counts, times and ids the way a repeat of the alert does.
    """
    trace_id = f"{scale:032x}"
    groups = (
        make_group(
            "payment", "POST /charge", "KeyError", "'currency'", count=40 * scale,
            window=window, trace_id=trace_id,
        ),
        make_group(
            "checkout", "POST /checkout", "HTTP 500", "upstream payment failed",
            count=38 * scale, window=window, trace_id=trace_id,
        ),
        make_group(
            "frontend", "GET /checkout", "HTTP 502", "bad gateway", count=36 * scale,
            window=window, trace_id=trace_id,
        ),
    )  # fmt: skip
    suspects = (
        make_suspect("payment", score=0.9),
        make_suspect("checkout", score=0.3, symptom=True),
        make_suspect("frontend", score=0.2, symptom=True),
    )
    return Evidence(
        service="checkout",
        window=window,
        error_count=38 * scale,
        span_count=500 * scale,
        failing_traces=40 * scale,
        groups=groups,
        suspects=suspects,
    )


def with_groups(evidence: Evidence, *groups: ErrorGroup) -> Evidence:
    return dataclasses.replace(evidence, groups=groups)


def make_answer(summary: str = "payment POST /charge fails with KeyError 'currency'.") -> Answer:
    """An LLM-like answer with every field set, including the awkward ones."""
    return Answer(
        root_cause=RootCause(
            service="payment",
            operation="POST /charge",
            exception_type="KeyError",
            summary=summary,
        ),
        remediation=(
            "Default the currency in the charge request.",
            "Roll back payment 2.4.1 → 2.4.0.",
        ),
        analyzer="llm:openai/gpt-4o-mini",
        citations=("trace:" + "a" * 32, "span:" + "b" * 16),
        tokens=TokenUsage(prompt=1834, completion=211),
        cost_usd=0.000401,
        notes=("only the newest 500 failing traces were analysed",),
    )


def make_report() -> Report:
    """The report of the checkout incident with the LLM-like answer: every section filled."""
    evidence = checkout_incident()
    chain = tuple(
        SpanRecord(
            trace_id="a" * 32,
            span_id=f"{index:016x}",
            parent_span_id=f"{index + 1:016x}" if index < 2 else "",
            service=service,
            operation=operation,
            kind="Server",
            start_ns=WINDOW.start_ns + index,
            duration_ns=(3 - index) * 10_000_000,
            status_code=2,
        )
        for index, (service, operation) in enumerate(
            [("payment", "POST /charge"), ("checkout", "POST /checkout"), ("frontend", "GET /")]
        )
    )
    logs = (
        LogRecord(
            time_ns=WINDOW.start_ns + 5,
            severity="ERROR",
            service="payment",
            body="charge failed: KeyError 'currency'",
            trace_id="a" * 32,
            span_id=f"{0:016x}",
        ),
    )
    evidence = dataclasses.replace(evidence, chain=chain, related_logs=logs)
    return build_report(
        evidence, make_answer(), generated_at="2026-11-26T10:00:01.000Z", signoz_url=None
    )
