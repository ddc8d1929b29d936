"""Combine evidence (computed in code) and an analyzer's answer into the final report."""

from __future__ import annotations

from collections.abc import Sequence

from aisher.analysis.evidence.confidence import ConfidenceAssessment, assess_evidence
from aisher.analysis.evidence.model import Confidence, ErrorGroup, Evidence
from aisher.analysis.evidence.trace import TraceEvidence
from aisher.analysis.report import (
    Answer,
    BaselineUsed,
    Candidate,
    ChainLink,
    GroupSummary,
    LogLine,
    Report,
    RootCause,
    TraceReport,
)
from aisher.telemetry import LogRecord, SpanRecord
from aisher.window import iso_from_ns

MAX_CANDIDATES = 5
MAX_GROUPS = 10
MAX_CHRONIC_GROUPS = 5
# A chain is the root, then the spans nearest the failure; the middle of a very deep one (a
# recursive call, a broken parent link, hostile telemetry) is counted, not listed.
MAX_CHAIN_TAIL = 20
_STATUS_NAMES = {0: "unset", 1: "ok", 2: "error"}


def final_confidence(evidence: Evidence, answer: Answer) -> ConfidenceAssessment:
    """Code decides confidence; an answer that disagrees with the ranking can only lower it."""
    assessment = assess_evidence(evidence)
    named = answer.root_cause.service
    causes = [suspect.service for suspect in evidence.suspects if not suspect.symptom]
    if assessment.insufficient or not named or not causes or named == causes[0]:
        return assessment
    if named not in causes[:3]:
        return ConfidenceAssessment(
            Confidence.LOW, False, f"the analysis names {named}, which the evidence ranks low"
        )
    if assessment.level is Confidence.HIGH:
        return ConfidenceAssessment(
            Confidence.MEDIUM, False, f"the analysis prefers {named} over {causes[0]}"
        )
    return assessment


def build_report(
    evidence: Evidence,
    answer: Answer,
    *,
    generated_at: str,
    signoz_url: str | None = None,
) -> Report:
    assessment = final_confidence(evidence, answer)
    own = next((item for item in evidence.stats if item.service == evidence.service), None)
    root_cause = answer.root_cause
    if assessment.insufficient and root_cause.service is None:
        root_cause = RootCause(service=None, summary=root_cause.summary or assessment.reason)
    notes = [*evidence.notes, *answer.notes]
    if assessment.insufficient:
        notes.append(assessment.reason)
    return Report(
        service=evidence.service,
        window=evidence.window,
        error_count=evidence.error_count,
        failing_traces=evidence.failing_traces,
        root_cause=root_cause,
        confidence=assessment.level.value,
        span_count=evidence.span_count,
        error_rate=round(own.error_rate, 6) if own else 0.0,
        baseline_error_rate=round(own.baseline_error_rate, 6) if own else 0.0,
        analyzer=answer.analyzer,
        candidates=tuple(
            Candidate(
                service=suspect.service,
                operation=suspect.operation,
                score=suspect.score,
                evidence=suspect.evidence,
                kind=suspect.blame.value,
                symptom=suspect.symptom,
                reasons=suspect.reasons,
                instance=suspect.instance,
            )
            for suspect in evidence.suspects[:MAX_CANDIDATES]
        ),
        parent_chain=chain_links(evidence.chain),
        parent_chain_elided=chain_elided(evidence.chain),
        related_logs=tuple(_log_line(log) for log in evidence.related_logs),
        error_groups=tuple(_group_summary(group) for group in evidence.new_groups[:MAX_GROUPS]),
        also_failing=tuple(
            _group_summary(group) for group in evidence.chronic_groups[:MAX_CHRONIC_GROUPS]
        ),
        other_causes=other_causes(evidence, root_cause.service),
        baseline=_baseline(evidence),
        remediation=answer.remediation,
        tokens=answer.tokens,
        cost_usd=answer.cost_usd,
        cached=answer.cached,
        cached_at=answer.created_at if answer.cached else None,
        generated_at=generated_at,
        insufficient_evidence=assessment.insufficient,
        deploys=tuple(
            f"{change.service} {change.old_version} → {change.new_version} at "
            f"{iso_from_ns(change.changed_at_ns)}"
            for change in evidence.deploys
        ),
        notes=tuple(dict.fromkeys(notes)),
        prompt_version=answer.prompt_version,
        prompt_sha256=answer.prompt_sha256,
        links=_trace_link(evidence.chain, signoz_url),
    )


def _group_summary(group: ErrorGroup) -> GroupSummary:
    return GroupSummary(
        service=group.service,
        operation=group.operation,
        exception_type=group.exception_type,
        message=group.message_template,
        count=group.count,
        traces=group.trace_count,
        origin=group.origin_count > 0,
        stacktrace=group.stacktrace,
    )


def other_causes(evidence: Evidence, named: str | None) -> tuple[RootCause, ...]:
    """The new causes, unrelated to each other, that the root cause does not already name."""
    causes = [s for s in evidence.suspects if not (s.symptom or s.chronic or s.beside)]
    if not evidence.concurrent or not causes:
        return ()
    wanted = [causes[0].service, *evidence.concurrent]
    return tuple(
        RootCause(
            service=suspect.service,
            operation=suspect.operation,
            exception_type=suspect.exception_type,
            summary="; ".join(suspect.reasons[:2]),
        )
        for suspect in causes
        if suspect.service in wanted and suspect.service != named
    )


def _baseline(evidence: Evidence) -> BaselineUsed | None:
    if evidence.baseline is None:
        return None
    return BaselineUsed(
        description=evidence.baseline.description,
        windows=evidence.baseline.segments,
        spans=evidence.baseline.spans,
    )


def chain_links(chain: Sequence[SpanRecord]) -> tuple[ChainLink, ...]:
    """The representative chain from the root down to the failing span: the root and the
    `MAX_CHAIN_TAIL` spans nearest the failure; `chain_elided` counts the spans in between."""
    kept = chain if len(chain) <= MAX_CHAIN_TAIL + 1 else (*chain[:MAX_CHAIN_TAIL], chain[-1])
    links = []
    for span in reversed(kept):
        error = ""
        if span.has_error:
            error = span.exceptions[-1].type if span.exceptions else span.status_message
        links.append(
            ChainLink(
                service=span.service,
                operation=span.operation,
                status=_STATUS_NAMES.get(span.status_code, str(span.status_code)),
                duration_ms=round(span.duration_ms, 3),
                span_id=span.span_id,
                trace_id=span.trace_id,
                kind=span.kind,
                error=error,
            )
        )
    return tuple(links)


def chain_elided(chain: Sequence[SpanRecord]) -> int:
    """How many spans `chain_links` leaves out between the root and the spans below it."""
    return max(len(chain) - MAX_CHAIN_TAIL - 1, 0)


def build_trace_report(
    evidence: TraceEvidence, *, generated_at: str, signoz_url: str | None = None
) -> TraceReport:
    """One trace's report: the failing span, its parent chain, its logs."""
    links = chain_links(evidence.chain)
    failing = evidence.chain[0] if evidence.chain else None
    exception = failing.exceptions[-1] if failing and failing.exceptions else None
    return TraceReport(
        trace_id=evidence.trace_id,
        span_count=evidence.span_count,
        error_count=evidence.error_count,
        services=evidence.services,
        failing_span=links[-1] if links else None,
        parent_chain=links,
        parent_chain_elided=chain_elided(evidence.chain),
        related_logs=tuple(_log_line(log) for log in evidence.related_logs),
        exception_type=exception.type if exception else "",
        exception_message=exception.message if exception else "",
        stacktrace=exception.stacktrace if exception else "",
        summary=_trace_summary(evidence),
        links=_trace_link(evidence.chain or _root(evidence), signoz_url),
        generated_at=generated_at,
    )


def _root(evidence: TraceEvidence) -> tuple[SpanRecord, ...]:
    return (evidence.root,) if evidence.root else ()


def _trace_summary(evidence: TraceEvidence) -> str:
    spread = f"{evidence.span_count} spans across {len(evidence.services)} services"
    if not evidence.chain:
        return f"No span of this trace failed ({spread})."
    failing = evidence.chain[0]
    what = failing.exceptions[-1].type if failing.exceptions else failing.status_message
    depth = len(evidence.chain) - 1
    where = f"{failing.service} {failing.operation}"
    return (
        f"The failure starts at {where}"
        + (f" with {what}" if what else "")
        + f", {depth} calls below the root ({spread}, {evidence.error_count} with errors)."
    )


def _log_line(log: LogRecord) -> LogLine:
    return LogLine(
        time=iso_from_ns(log.time_ns),
        severity=log.severity,
        service=log.service,
        body=log.body,
        trace_id=log.trace_id,
        span_id=log.span_id,
    )


def _trace_link(chain: Sequence[SpanRecord], signoz_url: str | None) -> dict[str, str]:
    if not signoz_url or not chain:
        return {}
    base = signoz_url.rstrip("/")
    failing = chain[0]
    return {"trace": f"{base}/trace/{failing.trace_id}?spanId={failing.span_id}"}
