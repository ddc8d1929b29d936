"""When the asked service got slower: is slowness the story of the window, or are its errors?

Errors are: a failed request is worse than a slow one, and a failure often slows its requests
down too (retries, fallbacks). Slowness is the story only when the new failures that touch the
service (it causes or passes them on) are marginal: fewer than `MIN_FAILING_TRACES`, or than
one request in twenty of its slowed-down operation. Then the slowest traces of those
operations are followed down to where their time went (`origins.latency_origins`) and ranked
like failures are, ahead of the failures, which stay listed after them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from aisher.analysis.evidence.baseline import WindowComparison
from aisher.analysis.evidence.builder import latency_rows
from aisher.analysis.evidence.confidence import MIN_FAILING_TRACES
from aisher.analysis.evidence.instances import InstanceIndex
from aisher.analysis.evidence.latency import LatencyBaseline
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.origins import BlameContext, latency_origins
from aisher.analysis.evidence.ranking import Ranking, rank_suspects
from aisher.telemetry import ServiceStats, SpanRecord

# New failures in fewer than this share of the slowed operation's requests are marginal.
MARGINAL_SHARE = 0.05


def slowed_operations(evidence: Evidence) -> list[str]:
    """The asked service's operations clearly slower than in the baseline, when slowness is
    the story of the window (see the module docstring); none otherwise."""
    slowed = [op for op in evidence.latency if op.service == evidence.service]
    if not slowed:
        return []
    marginal = max(MIN_FAILING_TRACES, MARGINAL_SHARE * max(op.spans for op in slowed))
    if new_failures_of_service(evidence) >= marginal:
        return []
    return [op.operation for op in slowed]


def new_failures_of_service(evidence: Evidence) -> int:
    """Traces with a new failure that the asked service causes or passes on."""
    return len(
        {
            origin.trace_id
            for origin in evidence.origins
            if not origin.chronic and evidence.service in (origin.blamed, *origin.path)
        }
    )


def with_latency(
    evidence: Evidence,
    spans: Sequence[SpanRecord],
    stats: Sequence[ServiceStats],
    comparison: WindowComparison,
) -> Evidence:
    """The evidence with slowness as its story, when it is (see the module docstring)."""
    operations = slowed_operations(evidence)
    if not operations or not spans:
        return evidence
    stats_by_service = {item.service: item for item in stats}
    instrumented = frozenset(stats_by_service) | {span.service for span in spans}
    latency = LatencyBaseline(comparison.operations)
    slow = latency_origins(
        spans, evidence.service, operations, BlameContext.of(instrumented, spans, latency)
    )
    slow_traces = len({origin.trace_id for origin in slow})
    if not slow:
        return evidence
    ranking = Ranking(
        instances=InstanceIndex(comparison.instances),
        latency=latency,
        instrumented=instrumented,
        unit="slow traces",
    )
    suspects = rank_suspects(slow, slow_traces, stats_by_service, evidence.deploys, ranking=ranking)
    listed = {suspect.service for suspect in suspects}
    rest = [suspect for suspect in evidence.suspects if suspect.service not in listed]
    return dataclasses.replace(
        evidence,
        origins=(*slow, *evidence.origins),
        suspects=(*suspects, *rest),
        slow_traces=slow_traces,
        latency=latency_rows(latency, evidence.service, [s.service for s in suspects]),
        concurrent=(),
    )
