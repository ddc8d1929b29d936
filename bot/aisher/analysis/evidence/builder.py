"""Assemble the evidence bundle for one service and window from the records the store returned."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from aisher.analysis.evidence.baseline import WindowComparison
from aisher.analysis.evidence.confidence import concurrent_causes
from aisher.analysis.evidence.failures import mark_failures
from aisher.analysis.evidence.groups import GroupKeyer, group_errors
from aisher.analysis.evidence.instances import InstanceIndex, reblame_bad_callers
from aisher.analysis.evidence.latency import LatencyBaseline
from aisher.analysis.evidence.model import Evidence, GroupTrend, TraceOrigin
from aisher.analysis.evidence.origins import BlameContext, find_origins
from aisher.analysis.evidence.ranking import Ranking, detect_deploys, rank_suspects
from aisher.analysis.evidence.trends import group_trends
from aisher.signoz.comparisons import OperationStats
from aisher.telemetry import (
    CallEdge,
    GroupHistory,
    LogRecord,
    ServiceStats,
    SpanRecord,
    VersionSeen,
)
from aisher.window import TimeWindow

MAX_LATENCY_ROWS = 5


def build_evidence(
    service: str,
    window: TimeWindow,
    spans: Sequence[SpanRecord],
    stats: Sequence[ServiceStats],
    *,
    versions: Sequence[VersionSeen] = (),
    edges: Sequence[CallEdge] = (),
    truncated: bool = False,
    max_traces: int | None = None,
    mask: Callable[[str], str] = str,
    comparison: WindowComparison | None = None,
    error_logs: Sequence[LogRecord] = (),
) -> Evidence:
    """Group the errors, find each failing trace's origin and rank the suspects.

    Pass the report's `Masker.mask` as `mask`: message templates are derived here, and
    secrets must be masked before normalisation can break them apart. `comparison` holds the
    window against its baseline (per operation, per way of failing, per instance); without it
    every failure counts as new. `error_logs` (ERROR or worse) make the spans they were written
    in fail even when their status does not say so.
    """
    comparison = comparison or WindowComparison()
    stats_by_service = {item.service: item for item in stats}
    marked = mark_failures(spans, error_logs)
    instrumented = frozenset(stats_by_service) | {span.service for span in marked}
    failing_trace_ids = {span.trace_id for span in marked if span.has_error}
    failing = [span for span in marked if span.trace_id in failing_trace_ids]
    latency = LatencyBaseline(comparison.operations)
    keyer = GroupKeyer(mask)
    trends = group_trends(comparison.signatures, comparison.operations, keyer)
    instances = InstanceIndex(comparison.instances)
    origins = find_origins(failing, BlameContext.of(instrumented, failing, latency))
    origins = reblame_bad_callers([_with_group(o, keyer, trends) for o in origins], instances)
    groups = group_errors(
        failing,
        frozenset((origin.trace_id, origin.span.span_id) for origin in origins),
        keyer=keyer,
    )
    groups = [dataclasses.replace(group, trend=trends.get(group.key)) for group in groups]
    baseline = comparison.baseline
    deploys = detect_deploys(
        versions, window, since_ns=baseline.before.start_ns if baseline else None
    )
    ranking = Ranking(
        trends=trends, instances=instances, latency=latency, instrumented=instrumented
    )
    suspects = rank_suspects(
        origins, len(failing_trace_ids), stats_by_service, deploys, ranking=ranking
    )
    own = stats_by_service.get(service)
    notes = []
    if truncated or (max_traces is not None and len(failing_trace_ids) >= max_traces):
        notes.append(
            f"only the newest {len(failing_trace_ids)} failing traces were analysed; "
            "counts per service cover the whole window"
        )
    summary = None
    if baseline is not None:
        summary = baseline.summary(comparison.service_baseline_spans(service))
    return Evidence(
        service=service,
        window=window,
        error_count=own.errors if own else sum(span.service == service for span in failing),
        span_count=own.spans if own else 0,
        failing_traces=len(failing_trace_ids),
        groups=tuple(groups),
        origins=tuple(origins),
        suspects=tuple(suspects),
        stats=tuple(sorted(stats, key=lambda item: (-item.errors, item.service))),
        edges=tuple(edges),
        deploys=tuple(deploys),
        truncated=truncated,
        notes=tuple(notes),
        baseline=summary,
        latency=latency_rows(latency, service, [s.service for s in suspects]),
        concurrent=concurrent_causes(suspects, origins),
    )


def _with_group(
    origin: TraceOrigin, keyer: GroupKeyer, trends: dict[str, GroupTrend]
) -> TraceOrigin:
    if not origin.span.has_error:
        return origin
    key = keyer.key(origin.span)
    trend = trends.get(key)
    return dataclasses.replace(origin, group=key, chronic=trend is not None and trend.chronic)


def latency_rows(
    latency: LatencyBaseline, service: str, suspects: Sequence[str]
) -> tuple[OperationStats, ...]:
    """The slowed-down operations worth showing: the asked service's, then its suspects'."""
    order = {name: rank for rank, name in enumerate(dict.fromkeys([service, *suspects]))}
    rows = [op for op in latency.regressions() if op.service in order]
    rows.sort(key=lambda op: order[op.service])
    return tuple(rows[:MAX_LATENCY_ROWS])


def representative_origin(evidence: Evidence) -> TraceOrigin | None:
    """An origin of the top suspect that fails the most common way: the span to show in full."""
    top = evidence.top_suspect
    if top is None or top.symptom:
        return None
    candidates = [origin for origin in evidence.origins if origin.blamed == top.service]
    if not candidates:
        return None
    # Prefer a span with a stack trace, then the longest path (it shows the whole propagation).
    return max(
        candidates,
        key=lambda origin: (
            any(exception.stacktrace for exception in origin.span.exceptions),
            len(origin.path),
            origin.span.start_ns,
        ),
    )


def with_context(
    evidence: Evidence,
    *,
    chain: Sequence[SpanRecord] = (),
    related_logs: Sequence[LogRecord] = (),
    history: Sequence[GroupHistory] = (),
) -> Evidence:
    """The evidence with the representative chain, related logs and group history attached."""
    return dataclasses.replace(
        evidence, chain=tuple(chain), related_logs=tuple(related_logs), history=tuple(history)
    )
