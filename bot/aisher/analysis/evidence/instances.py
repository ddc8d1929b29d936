"""One bad instance: failures that all come from one pod, host or service instance.

A service's failures point at one instance when every failing span of them ran there, the
service had other instances in the window, and over the whole window that instance failed far
more often than its siblings did, beyond chance: with its share of the service's spans, so many
of the service's failures would land on it by luck less than once in a hundred (a handful of
failures on one of two pods does not count). When such an instance is the caller of a
dependency that its siblings reach without trouble, the instance, not the dependency, is where
the failure is; that claim overrides what the spans say, so it needs ten times the certainty.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from aisher.analysis.evidence.model import BlameKind, BlameNote, TraceOrigin
from aisher.signoz.comparisons import InstanceStats
from aisher.signoz.span_conditions import instance_of
from aisher.telemetry import SpanRecord

MIN_FAILURES = 3
# Its siblings must fail at most this share of the instance's failure rate.
SIBLING_RATE_SHARE = 0.25
# How unlikely the instance's share of failures must be by chance, to name it …
NAME_P = 0.01
# … and to blame it instead of the dependency its failing calls went to.
REBLAME_P = 0.001


class InstanceIndex:
    """Spans and failing spans of each instance of each service in the window."""

    def __init__(self, stats: Iterable[InstanceStats] = ()) -> None:
        self._by_service: dict[str, dict[str, InstanceStats]] = defaultdict(dict)
        for item in stats:
            self._by_service[item.service][item.instance] = item

    def instances(self, service: str) -> int:
        return len(self._by_service.get(service, {}))

    def sole_instance(self, spans: Sequence[SpanRecord], p_value: float = NAME_P) -> str:
        """The instance all these failing spans (of one service) ran on, when it stands out
        from its siblings (see the module docstring); '' otherwise."""
        if len(spans) < MIN_FAILURES:
            return ""
        services = {span.service for span in spans}
        names = {instance_of(span.resource) for span in spans}
        if len(services) != 1 or len(names) != 1:
            return ""
        service, name = services.pop(), names.pop()
        siblings = self._by_service.get(service, {})
        if not name or name not in siblings or len(siblings) < 2:
            return ""
        own = siblings[name]
        others = [item for key, item in siblings.items() if key != name]
        other_spans = sum(item.spans for item in others)
        other_errors = sum(item.errors for item in others)
        if own.spans <= 0 or other_spans <= 0 or own.errors < MIN_FAILURES:
            return ""
        own_rate = own.errors / own.spans
        if other_errors / other_spans > SIBLING_RATE_SHARE * own_rate:
            return ""
        share = own.spans / (own.spans + other_spans)
        luck = binomial_tail(own.errors, own.errors + other_errors, share)
        return name if luck < p_value else ""


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), term by term in log space."""
    if k <= 0:
        return 1.0
    if p >= 1.0:
        return 1.0
    if p <= 0.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    head = math.lgamma(n + 1)
    terms = (
        math.exp(head - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        for i in range(k, n + 1)
    )
    return min(sum(terms), 1.0)


def reblame_bad_callers(origins: Sequence[TraceOrigin], index: InstanceIndex) -> list[TraceOrigin]:
    """Origins blamed on a peer (a dependency, an unreachable or slow callee) whose failing
    calls all come from one instance of the caller, while its siblings do fine: blamed on the
    caller instead, with the peer kept as context."""
    elsewhere: dict[tuple[str, str], list[TraceOrigin]] = defaultdict(list)
    for origin in origins:
        if origin.blamed != origin.span.service and origin.note is not BlameNote.SLOW:
            elsewhere[(origin.blamed, origin.span.service)].append(origin)
    moved = {
        pair
        for pair, found in elsewhere.items()
        if index.sole_instance([origin.span for origin in found], REBLAME_P)
    }
    if not moved:
        return list(origins)
    result = []
    for origin in origins:
        if (origin.blamed, origin.span.service) not in moved:
            result.append(origin)
            continue
        result.append(
            dataclasses.replace(
                origin,
                blamed=origin.span.service,
                blame=BlameKind.SERVICE,
                note=BlameNote.INSTANCE,
                context=origin.blamed,
            )
        )
    return result
