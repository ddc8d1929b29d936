"""Rank the components that could have caused a window's errors.

A component's score combines, in order of weight: how often it is where failing traces start
(origin share), how far its failures exceed what the baseline predicts (per error group and
operation when the store could say, else per service), whether it was deployed (a
`service.version` change) in or just before the window, and more when only its new version
fails, and whether the failure is a failing call to an uninstrumented dependency. A component
whose every failure is a refusal (an HTTP 4xx, a gRPC `NOT_FOUND`: a declined card, a bad
request) scores less: such answers are business outcomes more often than an incident's start.

The list is in tiers. New causes come first, each followed by its counterpart: the other side
of the failing calls (the caller that owns the failing client span beside a blamed dependency
or callee, the dependency beside a caller whose own pool turned the calls away), with the
reason one sits above the other. Then causes whose failures are chronic (at about their
baseline rate: background, whoever raises them), then the services that only pass on errors
from below (symptoms), whatever their error counts. How sure the ranking is: `confidence`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from aisher.analysis.evidence.confidence import (
    MIN_FAILING_TRACES,
    ConfidenceAssessment,
    assess_confidence,
)
from aisher.analysis.evidence.failure_text import is_refusal
from aisher.analysis.evidence.groups import describe_span_failure
from aisher.analysis.evidence.instances import InstanceIndex
from aisher.analysis.evidence.latency import LatencyBaseline
from aisher.analysis.evidence.model import (
    BlameKind,
    BlameNote,
    GroupTrend,
    Suspect,
    TraceOrigin,
    VersionChange,
)
from aisher.analysis.evidence.suspect_reasons import cause_reasons, counterpart_reasons
from aisher.analysis.evidence.trends import trends_by_group
from aisher.telemetry import ServiceStats, VersionSeen
from aisher.window import TimeWindow

__all__ = [
    "MIN_FAILING_TRACES",
    "ConfidenceAssessment",
    "Ranking",
    "anomaly",
    "assess_confidence",
    "detect_deploys",
    "rank_suspects",
    "rate_lift",
]

WEIGHT_ORIGIN = 0.6
WEIGHT_RATE = 0.2
WEIGHT_DEPLOY = 0.12
WEIGHT_DEPENDENCY = 0.08
# A deploy whose new version is the only one failing: the release and the failure coincide.
WEIGHT_NEW_VERSION = 0.08
EVIDENCE_PER_SUSPECT = 3
MAX_SUSPECTS = 8
LIFT_PSEUDO_ERRORS = 3.0
# Chronic causes score at most this share of the weakest new cause.
BACKGROUND_CEILING = 0.8
# The share of its score a cause keeps when all its failures are refusals (HTTP 4xx and kin).
REFUSAL_SHARE = 0.75


@dataclass(frozen=True, slots=True)
class Ranking:
    """What ranking reads besides the origins: counts, deploys, and the baseline comparisons."""

    stats: Mapping[str, ServiceStats] = field(default_factory=dict)
    deploys: Sequence[VersionChange] = ()
    trends: Mapping[str, GroupTrend] = field(default_factory=dict)
    instances: InstanceIndex = field(default_factory=InstanceIndex)
    latency: LatencyBaseline = field(default_factory=LatencyBaseline)
    instrumented: frozenset[str] = frozenset()
    unit: str = "failing traces"  # what the traces counted are ("slow traces" for latency)


def detect_deploys(
    versions: Iterable[VersionSeen], window: TimeWindow, since_ns: int | None = None
) -> list[VersionChange]:
    """Services whose newest version first appeared in the window or the baseline before it
    (from `since_ns` when given: a longer baseline looks further back)."""
    by_service: dict[str, list[VersionSeen]] = defaultdict(list)
    for version in versions:
        by_service[version.service].append(version)
    since = window.baseline().start_ns if since_ns is None else since_ns
    changes = []
    for service, seen in by_service.items():
        if len(seen) < 2:
            continue
        seen.sort(key=lambda item: item.first_seen_ns)
        old, new = seen[-2], seen[-1]
        if since <= new.first_seen_ns < window.end_ns:
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
    *,
    ranking: Ranking | None = None,
) -> list[Suspect]:
    """New causes (each with its counterpart), then chronic causes, then symptoms."""
    if not origins or failing_traces <= 0:
        return []
    inputs = replace(ranking or Ranking(), stats=stats, deploys=deploys)
    new = [origin for origin in origins if not origin.chronic]
    background = [origin for origin in origins if origin.chronic]
    new_traces = {origin.trace_id for origin in new}
    background_only = {origin.trace_id for origin in background} - new_traces
    new_total = max(failing_traces - len(background_only), len(new_traces), 1)

    causes = _causes(new, new_total, inputs)
    causes = _with_counterparts(causes, _by_blamed(new), inputs)
    listed = {suspect.service for suspect in causes}
    chronic = _causes([o for o in background if o.blamed not in listed], failing_traces, inputs)
    chronic = [replace(suspect, chronic=True) for suspect in chronic]
    if causes and chronic:
        ceiling = BACKGROUND_CEILING * min(suspect.score for suspect in causes)
        top = max(suspect.score for suspect in chronic) or 1.0
        chronic = [replace(s, score=round(ceiling * s.score / top, 4)) for s in chronic]
    ranked = causes + chronic
    floor = min(suspect.score for suspect in ranked)
    listed = {suspect.service for suspect in ranked}
    symptoms = _symptoms(origins, listed, failing_traces, inputs.stats, floor)
    return (ranked + symptoms)[:MAX_SUSPECTS]


def _by_blamed(origins: Iterable[TraceOrigin]) -> dict[str, list[TraceOrigin]]:
    by_blamed: dict[str, list[TraceOrigin]] = defaultdict(list)
    for origin in origins:
        by_blamed[origin.blamed].append(origin)
    return by_blamed


def _causes(origins: Sequence[TraceOrigin], total: int, inputs: Ranking) -> list[Suspect]:
    causes = [
        _score_cause(blamed, found, total, inputs) for blamed, found in _by_blamed(origins).items()
    ]
    causes.sort(key=lambda suspect: (-suspect.score, -suspect.origin_traces, suspect.service))
    return causes


def _most_common(values: Iterable[str]) -> str:
    counted = Counter(value for value in values if value)
    return counted.most_common(1)[0][0] if counted else ""


def _score_cause(blamed: str, found: Sequence[TraceOrigin], total: int, inputs: Ranking) -> Suspect:
    traces = {origin.trace_id for origin in found}
    share = len(traces) / total
    blame = Counter(origin.blame for origin in found).most_common(1)[0][0]
    caller = _most_common(origin.span.service for origin in found if origin.span.service != blamed)
    trend = trends_by_group(inputs.trends, {origin.group for origin in found if origin.group})
    lift = trend.lift if trend is not None else anomaly(blamed, blame, caller, inputs.stats)
    failing = [origin for origin in found if origin.span.has_error]
    deploy = _deploy_behind(blamed, failing, inputs.deploys)
    dependency = 1.0 if blame is BlameKind.DEPENDENCY else 0.0
    score = (
        WEIGHT_ORIGIN * share
        + WEIGHT_RATE * lift
        + WEIGHT_DEPLOY * (deploy is not None)
        + WEIGHT_NEW_VERSION * (deploy is not None and _only_on(deploy, failing))
        + WEIGHT_DEPENDENCY * dependency
    )
    refused = bool(failing) and all(is_refusal(origin.span) for origin in failing)
    if refused:
        score *= REFUSAL_SHARE
    operation = _most_common(origin.span.operation for origin in found)
    exception = _most_common(describe_span_failure(o.span).exception_type for o in failing)
    instance = inputs.instances.sole_instance(
        [origin.span for origin in failing if origin.span.service == blamed]
    )
    service_stats = inputs.stats.get(blamed)
    suspect = Suspect(
        service=blamed,
        operation=operation,
        blame=blame,
        score=round(score, 4),
        origin_traces=len(traces),
        origin_share=round(share, 4),
        exception_type=exception,
        error_rate=service_stats.error_rate if service_stats else 0.0,
        baseline_error_rate=service_stats.baseline_error_rate if service_stats else 0.0,
        deploy=deploy,
        via=caller,
        instance=instance,
        lift=round(lift, 4),
        evidence=_evidence_refs(found),
    )
    reasons = cause_reasons(suspect, found, total, trend, inputs)
    if refused:
        reasons += (
            "its failures are refusals (a 4xx or the like): a business answer as often as a fault",
        )
    return replace(suspect, reasons=reasons)


def _deploy_behind(
    blamed: str, failing: Sequence[TraceOrigin], deploys: Sequence[VersionChange]
) -> VersionChange | None:
    """The blamed service's deploy, unless its failing spans all run an older version (then
    the failures predate the release and it explains nothing)."""
    deploy = next((change for change in deploys if change.service == blamed), None)
    if deploy is None:
        return None
    versions = {o.span.version for o in failing if o.span.service == blamed and o.span.version}
    if versions and deploy.new_version not in versions:
        return None
    return deploy


def _only_on(deploy: VersionChange, failing: Sequence[TraceOrigin]) -> bool:
    """Do the deployed service's failing spans all run its new version?"""
    versions = {o.span.version for o in failing if o.span.service == deploy.service}
    return versions == {deploy.new_version}


def _evidence_refs(found: Sequence[TraceOrigin]) -> tuple[str, ...]:
    refs: list[str] = []
    for origin in found[:EVIDENCE_PER_SUSPECT]:
        refs.extend((f"trace:{origin.trace_id}", f"span:{origin.span.span_id}"))
    return tuple(refs)


def _with_counterparts(
    causes: Sequence[Suspect], found_by: Mapping[str, Sequence[TraceOrigin]], inputs: Ranking
) -> list[Suspect]:
    """Each cause followed by the other side of its failing calls, when that is not listed."""
    listed = {suspect.service for suspect in causes}
    result: list[Suspect] = []
    for index, cause in enumerate(causes):
        result.append(cause)
        found = found_by.get(cause.service, ())
        note = _most_common(origin.note.value for origin in found)
        other = _counterpart(cause, found, note)
        if not other or other in listed:
            continue
        listed.add(other)
        below = causes[index + 1].score if index + 1 < len(causes) else cause.score / 2
        by_caller = other == cause.via
        operation = _most_common(o.span.operation for o in found if o.span.service == other)
        result.append(
            Suspect(
                service=other,
                operation=operation if by_caller else "",
                blame=_counterpart_kind(other, by_caller, inputs),
                score=round((cause.score + below) / 2, 4),
                origin_traces=0,
                origin_share=0.0,
                via=cause.service,
                beside=cause.service,
                reasons=counterpart_reasons(cause, other, note),
                evidence=cause.evidence,
            )
        )
    return result


def _counterpart(cause: Suspect, found: Sequence[TraceOrigin], note: str) -> str:
    """The other side of a cause's failing calls (see the module docstring), or ''."""
    if note in (BlameNote.EXHAUSTED, BlameNote.INSTANCE):
        return _most_common(o.context for o in found if o.context != cause.service)
    return cause.via


def _counterpart_kind(service: str, by_caller: bool, inputs: Ranking) -> BlameKind:
    if by_caller or service in inputs.instrumented or service in inputs.stats:
        return BlameKind.SERVICE
    return BlameKind.DEPENDENCY


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
                score=round(floor * 0.5 * min(share, 1.0), 4),
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
