"""Where a slow request's time went: follow the latency down to the span whose own time grew.

Each span is measured against its own operation in the baseline (the p50 of the same service
and operation): what a span lost is its duration minus that typical duration. From a slow
span, the walk goes to the child (or the sibling calls of one operation, together: fifty
slightly slower queries are one slow step) that lost at least half of what the parent lost,
and stops where no child explains the parent's loss: that span's own time grew. Client and
database spans are steps like any other, so a slow query is found in the caller's own span
when its server side is not instrumented.

Without a baseline for a span's operation the walk falls back to the span tree alone: a child
that took most of its parent's time, or one still running after its parent gave up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from aisher.signoz.comparisons import OperationStats
from aisher.telemetry import SpanRecord

# An operation is slower than in the baseline when a percentile grew by this factor …
REGRESSION_RATIO = 1.5
# … and by at least this much (a 1 ms call taking 2 ms is noise, not an incident).
MIN_REGRESSION_NS = 20_000_000
# Fewer spans than this in the window or the baseline: no latency verdict for the operation …
MIN_SAMPLES = 5
# … and no verdict on its p95 alone, which fewer spans make one or two outliers.
MIN_TAIL_SAMPLES = 40
# A child (or one operation's sibling calls) that lost this share of its parent's loss is where
# the parent's time went.
EXPLAINS = 0.5
# Without a baseline: a child that took this share of its parent's time is where it went.
LATENCY_SHARE = 0.8
MAX_DEPTH = 64  # traces are not deeper than this in practice; guards against cycles


def end_ns(span: SpanRecord) -> int:
    return span.start_ns + span.duration_ns


def _grew(now: float, before: float) -> bool:
    return before > 0 and now >= REGRESSION_RATIO * before and now - before >= MIN_REGRESSION_NS


def is_median_regression(operation: OperationStats) -> bool:
    """Did the operation's median grow: are most of its requests slower than before?"""
    if operation.spans < MIN_SAMPLES or operation.baseline_total < MIN_SAMPLES:
        return False
    return _grew(operation.p50_ns, operation.baseline_p50_ns)


def is_regression(operation: OperationStats) -> bool:
    """Is the operation clearly slower in the window than in the baseline? Its median grew,
    or its p95 did over enough requests for a p95 to be more than one or two of them."""
    if is_median_regression(operation):
        return True
    if operation.spans < MIN_TAIL_SAMPLES or operation.baseline_total < MIN_TAIL_SAMPLES:
        return False
    return _grew(operation.p95_ns, operation.baseline_p95_ns)


def slowdown(operation: OperationStats) -> float:
    """How many times slower the operation's p95 is than in the baseline."""
    if operation.baseline_p95_ns <= 0:
        return 0.0
    return operation.p95_ns / operation.baseline_p95_ns


class LatencyBaseline:
    """Each operation's typical duration in the baseline, and which ones are slower now."""

    def __init__(self, operations: Iterable[OperationStats] = ()) -> None:
        self._operations = {(op.service, op.operation): op for op in operations}

    def __bool__(self) -> bool:
        return bool(self._operations)

    def operation(self, service: str, operation: str) -> OperationStats | None:
        return self._operations.get((service, operation))

    def typical_ns(self, span: SpanRecord) -> float | None:
        """The baseline p50 of the span's operation (None when the baseline has too few)."""
        found = self._operations.get((span.service, span.operation))
        if found is None or found.baseline_total < MIN_SAMPLES or found.baseline_p50_ns <= 0:
            return None
        return found.baseline_p50_ns

    def lost_ns(self, span: SpanRecord, duration_ns: int | None = None) -> float | None:
        """How much longer than usual the span took (None without a baseline)."""
        typical = self.typical_ns(span)
        if typical is None:
            return None
        return (span.duration_ns if duration_ns is None else duration_ns) - typical

    def regressions(self, service: str | None = None) -> list[OperationStats]:
        """Operations (of `service`, or of all) clearly slower than in the baseline, the most
        slowed first."""
        found = [
            op
            for op in self._operations.values()
            if (service is None or op.service == service) and is_regression(op)
        ]
        return sorted(found, key=lambda op: (-slowdown(op), op.service, op.operation))


def slow_path(
    children: Mapping[str, Sequence[SpanRecord]],
    start: SpanRecord,
    baseline: LatencyBaseline,
    *,
    gave_up: bool = False,
) -> SpanRecord:
    """The deepest span below `start` (or `start` itself) whose own time grew.

    `gave_up`: `start` timed out, so its children may have run on after it ended.
    """
    current = start
    duration = _effective_duration(children, start) if gave_up else start.duration_ns
    for _ in range(MAX_DEPTH):
        kids = children.get(current.span_id) or ()
        found = _where_time_went(current, duration, kids, baseline, gave_up=gave_up)
        if found is None:
            return current
        current, duration, gave_up = found, found.duration_ns, False
    return current


def _effective_duration(children: Mapping[str, Sequence[SpanRecord]], span: SpanRecord) -> int:
    kids = children.get(span.span_id) or ()
    return max((end_ns(kid) for kid in kids), default=end_ns(span)) - span.start_ns


def _where_time_went(
    parent: SpanRecord,
    duration: int,
    kids: Sequence[SpanRecord],
    baseline: LatencyBaseline,
    *,
    gave_up: bool,
) -> SpanRecord | None:
    if not kids:
        return None
    if gave_up:
        # Still running after the parent gave up: that child is what the parent waited for.
        late = [kid for kid in kids if end_ns(kid) > end_ns(parent)]
        if late:
            return max(late, key=end_ns)
    lost = baseline.lost_ns(parent, duration)
    measured: dict[tuple[str, str], list[tuple[float, SpanRecord]]] = defaultdict(list)
    unmeasured = []
    for kid in kids:
        kid_lost = baseline.lost_ns(kid)
        if kid_lost is None:
            unmeasured.append(kid)
        elif kid_lost > 0:
            measured[(kid.service, kid.operation)].append((kid_lost, kid))
    # Against the baseline: what the parent lost, or all its time when it has no baseline.
    to_explain = lost if lost is not None else float(duration)
    if measured and to_explain > 0:
        calls = max(measured.values(), key=lambda group: sum(item[0] for item in group))
        if sum(item[0] for item in calls) >= EXPLAINS * to_explain:
            return max(calls, key=lambda item: item[0])[1]
    # A child without a baseline that took most of the parent's time.
    if unmeasured:
        slowest = max(unmeasured, key=lambda kid: kid.duration_ns)
        if slowest.duration_ns >= LATENCY_SHARE * duration:
            return slowest
    return None
