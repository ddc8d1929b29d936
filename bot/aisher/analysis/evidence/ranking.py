"""Rank the components that could have caused a window's errors, and say how sure we are.

A component's score combines, in order of weight: how often it is where failing traces start
(origin share), how much its error rate rose against the baseline window, whether it was
deployed (a `service.version` change) in or just before the window, and whether the failure is
a failing call to an uninstrumented dependency. Services that only pass on errors from below
(symptoms) are listed after every cause, whatever their error counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aisher.analysis.evidence.groups import describe_span_failure
from aisher.analysis.evidence.model import (
    BlameKind,
    Confidence,
    Suspect,
    TraceOrigin,
    VersionChange,
)
from aisher.telemetry import ServiceStats, VersionSeen
from aisher.window import TimeWindow

WEIGHT_ORIGIN = 0.6
WEIGHT_RATE = 0.2
WEIGHT_DEPLOY = 0.12
WEIGHT_DEPENDENCY = 0.08
EVIDENCE_PER_SUSPECT = 3
MIN_FAILING_TRACES = 3
MAX_SUSPECTS = 8
LIFT_PSEUDO_ERRORS = 3.0


@dataclass(frozen=True, slots=True)
class ConfidenceAssessment:
    level: Confidence
    insufficient: bool
    reason: str


def detect_deploys(versions: Iterable[VersionSeen], window: TimeWindow) -> list[VersionChange]:
    """Services whose newest version first appeared in the window or the baseline before it."""
    by_service: dict[str, list[VersionSeen]] = defaultdict(list)
    for version in versions:
        by_service[version.service].append(version)
    since_ns = window.baseline().start_ns
    changes = []
    for service, seen in by_service.items():
        if len(seen) < 2:
            continue
        seen.sort(key=lambda item: item.first_seen_ns)
        old, new = seen[-2], seen[-1]
        if since_ns <= new.first_seen_ns < window.end_ns:
            changes.append(VersionChange(service, old.version, new.version, new.first_seen_ns))
    return changes


def rate_lift(stats: ServiceStats | None) -> float:
    """How much of the window's errors are new compared to the baseline rate (0..1).

    The excess over what the baseline rate predicts, divided by the errors plus a few pseudo
    errors: a jump from 1 to 3 errors (chance) scores low, a jump from 0 to 300 close to 1.
    """
    if stats is None or stats.errors <= 0:
        return 0.0
    baseline_rate = (stats.baseline_errors + 0.5) / (stats.baseline_spans + 1)
    expected = baseline_rate * stats.spans
    return max(0.0, stats.errors - expected) / (stats.errors + LIFT_PSEUDO_ERRORS)


def anomaly(blamed: str, blame: BlameKind, via: str, stats: Mapping[str, ServiceStats]) -> float:
    """How new the failure is. A slow callee or an uninstrumented dependency shows its failures
    in the caller that times out or gets errors back, so the caller's lift counts for it."""
    own = rate_lift(stats.get(blamed))
    if blame is BlameKind.SERVICE:
        return own
    return max(own, rate_lift(stats.get(via)))


def rank_suspects(
    origins: Sequence[TraceOrigin],
    failing_traces: int,
    stats: Mapping[str, ServiceStats],
    deploys: Sequence[VersionChange],
) -> list[Suspect]:
    """Causes by score, then symptoms by how many failing traces they passed errors through."""
    if not origins or failing_traces <= 0:
        return []
    by_blamed: dict[str, list[TraceOrigin]] = defaultdict(list)
    for origin in origins:
        by_blamed[origin.blamed].append(origin)
    deploy_of = {change.service: change for change in deploys}

    causes = [
        _score_cause(blamed, found, failing_traces, stats, deploy_of)
        for blamed, found in by_blamed.items()
    ]
    causes.sort(key=lambda suspect: (-suspect.score, -suspect.origin_traces, suspect.service))
    floor = min(suspect.score for suspect in causes)
    symptoms = _symptoms(origins, set(by_blamed), failing_traces, stats, floor)
    return (causes + symptoms)[:MAX_SUSPECTS]


def _score_cause(
    blamed: str,
    found: Sequence[TraceOrigin],
    failing_traces: int,
    stats: Mapping[str, ServiceStats],
    deploy_of: Mapping[str, VersionChange],
) -> Suspect:
    traces = {origin.trace_id for origin in found}
    share = len(traces) / failing_traces
    kinds = Counter(origin.blame for origin in found)
    blame = kinds.most_common(1)[0][0]
    service_stats = stats.get(blamed)
    via = Counter(origin.span.service for origin in found if origin.span.service != blamed)
    caller = via.most_common(1)[0][0] if via else ""
    lift = anomaly(blamed, blame, caller, stats)
    deploy = deploy_of.get(blamed)
    dependency = 1.0 if blame is BlameKind.DEPENDENCY else 0.0
    score = (
        WEIGHT_ORIGIN * share
        + WEIGHT_RATE * lift
        + WEIGHT_DEPLOY * (deploy is not None)
        + WEIGHT_DEPENDENCY * dependency
    )
    operation = Counter(origin.span.operation for origin in found).most_common(1)[0][0]
    exception = Counter(describe_span_failure(o.span).exception_type for o in found).most_common(1)
    reasons = [f"errors start here in {len(traces)} of {failing_traces} failing traces"]
    if service_stats is not None and service_stats.errors:
        reasons.append(
            f"error rate {service_stats.error_rate:.1%} vs {service_stats.baseline_error_rate:.1%}"
            " in the baseline window"
        )
    if deploy is not None:
        reasons.append(
            f"deployed {deploy.old_version} → {deploy.new_version} in or before the window"
        )
    if blame is BlameKind.DEPENDENCY:
        reasons.append("calls to this uninstrumented dependency fail")
    if blame is BlameKind.SLOW_CALLEE:
        reasons.append("callers time out while it is slow")
    return Suspect(
        service=blamed,
        operation=operation,
        blame=blame,
        score=round(score, 4),
        origin_traces=len(traces),
        origin_share=round(share, 4),
        exception_type=exception[0][0] if exception else "",
        error_rate=service_stats.error_rate if service_stats else 0.0,
        baseline_error_rate=service_stats.baseline_error_rate if service_stats else 0.0,
        deploy=deploy,
        via=caller,
        reasons=tuple(reasons),
        evidence=_evidence_refs(found),
    )


def _evidence_refs(found: Sequence[TraceOrigin]) -> tuple[str, ...]:
    refs: list[str] = []
    for origin in found[:EVIDENCE_PER_SUSPECT]:
        refs.extend((f"trace:{origin.trace_id}", f"span:{origin.span.span_id}"))
    return tuple(refs)


def _symptoms(
    origins: Sequence[TraceOrigin],
    causes: set[str],
    failing_traces: int,
    stats: Mapping[str, ServiceStats],
    floor: float,
) -> list[Suspect]:
    passed: dict[str, set[str]] = defaultdict(set)
    for origin in origins:
        for service in origin.path[1:]:
            if service not in causes:
                passed[service].add(origin.trace_id)
    symptoms = []
    for service, traces in passed.items():
        share = len(traces) / failing_traces
        service_stats = stats.get(service)
        symptoms.append(
            Suspect(
                service=service,
                operation="",
                blame=BlameKind.SERVICE,
                # Strictly below every cause, so a symptom is never ranked above its cause.
                score=round(floor * 0.5 * share, 4),
                origin_traces=0,
                origin_share=0.0,
                error_rate=service_stats.error_rate if service_stats else 0.0,
                baseline_error_rate=service_stats.baseline_error_rate if service_stats else 0.0,
                symptom=True,
                reasons=(f"only passes on errors from below in {len(traces)} failing traces",),
            )
        )
    symptoms.sort(key=lambda suspect: (-suspect.score, suspect.service))
    return symptoms


def assess_confidence(suspects: Sequence[Suspect], failing_traces: int) -> ConfidenceAssessment:
    """Confidence from the evidence itself: how dominant and well-supported the top cause is."""
    causes = [suspect for suspect in suspects if not suspect.symptom]
    if failing_traces < MIN_FAILING_TRACES or not causes:
        return ConfidenceAssessment(
            Confidence.LOW,
            insufficient=True,
            reason=f"only {failing_traces} failing trace(s) in the window; too few to name a cause",
        )
    top = causes[0]
    margin = top.score - (causes[1].score if len(causes) > 1 else 0.0)
    if top.origin_share >= 0.6 and margin >= 0.25 and top.origin_traces >= 10:
        return ConfidenceAssessment(
            Confidence.HIGH, False, f"{top.service} starts {top.origin_share:.0%} of failures"
        )
    if top.origin_share >= 0.35 and margin >= 0.1:
        return ConfidenceAssessment(
            Confidence.MEDIUM, False, f"{top.service} starts {top.origin_share:.0%} of failures"
        )
    return ConfidenceAssessment(
        Confidence.LOW,
        False,
        f"failures start in several places; {top.service} leads with {top.origin_share:.0%}",
    )
