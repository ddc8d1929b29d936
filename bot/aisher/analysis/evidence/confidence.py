"""How sure the ranking is, decided in code from the evidence itself.

Confidence starts from how dominant and well supported the top cause is, and is lowered one
step for each thing that makes a single answer less trustworthy: several unrelated new failures
at once (each is reported as a cause), or a baseline too thin to tell new from usual. When
every failure was already there at the same rate before, nothing new explains the window.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from aisher.analysis.evidence.model import Confidence, Evidence, Suspect, TraceOrigin

MIN_FAILING_TRACES = 3
# A baseline with fewer spans of the asked service than this cannot tell new from usual.
MIN_BASELINE_SPANS = 50
# A second cause counts as a separate incident when it starts this share of the new failures …
CONCURRENT_SHARE = 0.2
# … and the baseline explains at most this share of its failures.
CONCURRENT_LIFT = 0.5
_LOWER = {Confidence.HIGH: Confidence.MEDIUM, Confidence.MEDIUM: Confidence.LOW}


@dataclass(frozen=True, slots=True)
class ConfidenceAssessment:
    level: Confidence
    insufficient: bool
    reason: str


def concurrent_causes(
    suspects: Sequence[Suspect], origins: Sequence[TraceOrigin]
) -> tuple[str, ...]:
    """New causes besides the top one that stand on their own: a real share of the new
    failures, clearly new, and not on the way of the top cause's failures (nor it on theirs)."""
    causes = [s for s in suspects if not (s.symptom or s.beside or s.chronic)]
    if len(causes) < 2:
        return ()
    touched: dict[str, set[str]] = defaultdict(set)
    for origin in origins:
        touched[origin.blamed].update(origin.path)
        touched[origin.blamed].update(filter(None, (origin.context, origin.span.service)))
    top = causes[0]
    near_top = touched[top.service] | {top.service, top.via}
    found = []
    for other in causes[1:]:
        if (
            other.origin_traces < MIN_FAILING_TRACES
            or other.origin_share < CONCURRENT_SHARE
            or other.lift < CONCURRENT_LIFT
        ):
            continue
        if other.service in near_top or top.service in touched[other.service] | {other.via}:
            continue
        found.append(other.service)
    return tuple(found)


def assess_confidence(
    suspects: Sequence[Suspect],
    failing_traces: int,
    *,
    concurrent: Sequence[str] = (),
    baseline_spans: int | None = None,
    unit: str = "failing traces",
) -> ConfidenceAssessment:
    """Confidence from the evidence: how dominant and well supported the top cause is, lowered
    for unrelated failures at once and for a thin baseline."""
    causes = [suspect for suspect in suspects if not (suspect.symptom or suspect.beside)]
    if failing_traces < MIN_FAILING_TRACES or not causes:
        return ConfidenceAssessment(
            Confidence.LOW,
            insufficient=True,
            reason=f"only {failing_traces} {unit} in the window; too few to name a cause",
        )
    if all(suspect.chronic for suspect in causes):
        return ConfidenceAssessment(
            Confidence.LOW,
            False,
            "every failure in the window was already there at about the same rate before",
        )
    top = causes[0]
    margin = top.score - (causes[1].score if len(causes) > 1 else 0.0)
    starts = "starts" if unit == "failing traces" else "is where the time goes in"
    if top.origin_share >= 0.6 and margin >= 0.25 and top.origin_traces >= 10:
        level, reason = Confidence.HIGH, f"{top.service} {starts} {top.origin_share:.0%} of {unit}"
    elif top.origin_share >= 0.35 and margin >= 0.1:
        level = Confidence.MEDIUM
        reason = f"{top.service} {starts} {top.origin_share:.0%} of {unit}"
    else:
        level = Confidence.LOW
        spread = "failures start" if unit == "failing traces" else "the time goes"
        reason = f"{spread} in several places; {top.service} leads with {top.origin_share:.0%}"
    if concurrent:
        level = _LOWER.get(level, level)
        others = ", ".join(concurrent)
        reason += f"; {len(concurrent) + 1} unrelated failures at once ({top.service}, {others})"
    if baseline_spans is not None and baseline_spans < MIN_BASELINE_SPANS:
        level = _LOWER.get(level, level)
        reason += f"; the baseline holds only {baseline_spans} spans of the service"
    return ConfidenceAssessment(level, False, reason)


def assess_evidence(evidence: Evidence) -> ConfidenceAssessment:
    """`assess_confidence` for a whole evidence bundle: slow traces are the sample when the
    window was analysed for latency, and the baseline's size and concurrent causes count."""
    slow = evidence.slow_traces > 0 and any(
        not origin.span.has_error for origin in evidence.origins
    )
    return assess_confidence(
        evidence.suspects,
        evidence.slow_traces if slow else evidence.failing_traces,
        concurrent=evidence.concurrent,
        baseline_spans=evidence.baseline.spans if evidence.baseline else None,
        unit="slow traces" if slow else "failing traces",
    )
