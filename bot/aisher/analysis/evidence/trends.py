"""Tell new failures from chronic ones, per error group and operation.

A group is compared with its own operation's traffic: its failing spans per span of the
operation in the window against the same in the baseline. It is chronic (background, whoever
raises it) when the baseline already had it and the window's count stays within what that rate
predicts, allowing for chance; it is new when the baseline never had it, or when the count grew
well beyond the prediction. A group that only appears late in the baseline is new too: the
oldest segment must have it at about the window's rate, so a failure that started twenty
minutes before a two-minute window is not taken for background.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from aisher.analysis.evidence.groups import GroupKeyer, group_key
from aisher.analysis.evidence.model import GroupTrend
from aisher.signoz.comparisons import ErrorSignature, OperationStats
from aisher.telemetry import STATUS_ERROR, ExceptionRecord, SpanRecord

# Grew "well beyond" the baseline: more than this many times the predicted count …
GROWTH = 2.0
# … plus this many standard deviations of chance (Poisson) and one error of slack.
CHANCE_SIGMAS = 3.0
# A baseline segment without spans of the operation says nothing about its rate; one with a
# few says little, and the chance terms of `grew` and `began_later` weigh that.
MIN_SEGMENT_SPANS = 1
LIFT_PSEUDO_ERRORS = 3.0
ONSET_P = 0.01


@dataclass(slots=True)
class _Counts:
    service: str
    operation: str
    count: int = 0
    baseline: list[int] = field(default_factory=list)

    def add(self, signature: ErrorSignature) -> None:
        self.count += signature.count
        if len(self.baseline) < len(signature.baseline_counts):
            self.baseline += [0] * (len(signature.baseline_counts) - len(self.baseline))
        for index, value in enumerate(signature.baseline_counts):
            self.baseline[index] += value


def signature_span(signature: ErrorSignature) -> SpanRecord:
    """A span that fails the way the signature does, for `GroupKeyer`."""
    exceptions: tuple[ExceptionRecord, ...] = ()
    if signature.exception_type:
        exceptions = (
            ExceptionRecord(
                type=signature.exception_type, message=signature.exception_message, escaped=True
            ),
        )
    return SpanRecord(
        trace_id="",
        span_id="",
        parent_span_id="",
        service=signature.service,
        operation=signature.operation,
        kind=signature.kind,
        start_ns=0,
        duration_ns=0,
        status_code=STATUS_ERROR,
        status_message=signature.status_message,
        http_status=signature.http_status,
        attributes=signature.attributes,
        exceptions=exceptions,
    )


def grew(count: int, expected: float) -> bool:
    """Is `count` well beyond the `expected` count, beyond chance?"""
    return count > GROWTH * expected + CHANCE_SIGMAS * math.sqrt(expected) + 1


def began_later(seen: int, at_window_rate: float) -> bool:
    """Is `seen` far below even half the window's rate, beyond chance (p < ONSET_P)?"""
    return poisson_cdf(seen, at_window_rate / GROWTH) < ONSET_P


def poisson_cdf(k: int, mean: float) -> float:
    """P(X ≤ k) for X ~ Poisson(mean), term by term in log space (no underflow for big means)."""
    if mean <= 0:
        return 1.0
    log_mean = math.log(mean)
    total = sum(math.exp(i * log_mean - mean - math.lgamma(i + 1)) for i in range(k + 1))
    return min(total, 1.0)


def group_trends(
    signatures: Iterable[ErrorSignature],
    operations: Iterable[OperationStats],
    keyer: GroupKeyer,
) -> dict[str, GroupTrend]:
    """The trend of every error group the signatures cover, by group key."""
    by_key: dict[str, _Counts] = {}
    for signature in signatures:
        key = group_key(*keyer.parts(signature_span(signature))[1])
        counts = by_key.get(key)
        if counts is None:
            counts = by_key[key] = _Counts(signature.service, signature.operation)
        counts.add(signature)
    traffic = {(op.service, op.operation): op for op in operations}
    trends = {}
    for key, counts in by_key.items():
        operation = traffic.get((counts.service, counts.operation))
        if operation is not None:
            trends[key] = trend(counts.count, tuple(counts.baseline), operation)
    return trends


def trend(count: int, baseline_counts: tuple[int, ...], operation: OperationStats) -> GroupTrend:
    """One group's trend from its counts and its operation's traffic, segment by segment."""
    spans = operation.baseline_spans
    usable = [
        index
        for index in range(min(len(spans), len(baseline_counts)))
        if spans[index] >= MIN_SEGMENT_SPANS
    ]
    baseline_count = sum(baseline_counts[index] for index in usable)
    baseline_spans = sum(spans[index] for index in usable)
    if not usable or operation.spans <= 0:
        # Nothing to compare with: not chronic, and no lift claimed either.
        return GroupTrend(count, sum(baseline_counts), 0.0, chronic=False, lift=0.0)
    expected = baseline_count / baseline_spans * operation.spans
    chronic = baseline_count > 0 and not grew(count, expected)
    if chronic and usable[0] == 0:
        # At the window's rate, the oldest segment would have had this many: far fewer means
        # the failure began inside the baseline.
        at_window_rate = count / operation.spans * spans[0]
        chronic = not began_later(baseline_counts[0], at_window_rate)
    lift = max(0.0, count - expected) / (count + LIFT_PSEUDO_ERRORS) if count else 0.0
    return GroupTrend(count, baseline_count, round(expected, 3), chronic, round(lift, 4))


def trends_by_group(trends: Mapping[str, GroupTrend], keys: Iterable[str]) -> GroupTrend | None:
    """The trends of several groups added up (None when none of them has one)."""
    found = [trends[key] for key in keys if key in trends]
    if not found:
        return None
    count = sum(item.count for item in found)
    expected = sum(item.expected for item in found)
    lift = max(0.0, count - expected) / (count + LIFT_PSEUDO_ERRORS) if count else 0.0
    return GroupTrend(
        count=count,
        baseline_count=sum(item.baseline_count for item in found),
        expected=round(expected, 3),
        chronic=all(item.chronic for item in found),
        lift=round(lift, 4),
    )
