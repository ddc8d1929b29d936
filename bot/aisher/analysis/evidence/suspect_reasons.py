"""The sentences that say why a suspect is ranked where it is: the figures behind its score,
what decided the blame, and, for a counterpart, why it sits below the suspect beside it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aisher.analysis.evidence.model import BlameKind, BlameNote, GroupTrend, Suspect, TraceOrigin

if TYPE_CHECKING:
    from aisher.analysis.evidence.ranking import Ranking

NS_PER_MS = 1_000_000


def cause_reasons(
    suspect: Suspect,
    found: Sequence[TraceOrigin],
    total: int,
    trend: GroupTrend | None,
    inputs: Ranking,
) -> tuple[str, ...]:
    """Why a cause is ranked where it is."""
    service = suspect.service
    failed = any(origin.span.has_error for origin in found)
    where = "errors start here" if failed else "the time goes here"
    reasons = [f"{where} in {suspect.origin_traces} of {total} {inputs.unit}"]
    reasons += _rate_reasons(suspect, trend, inputs)
    if suspect.deploy is not None:
        reasons.append(
            f"deployed {suspect.deploy.old_version} → {suspect.deploy.new_version} "
            "in or before the window"
        )
        versions = {o.span.version for o in found if o.span.has_error and o.span.service == service}
        if versions == {suspect.deploy.new_version}:
            reasons.append(f"only its new version {suspect.deploy.new_version} fails")
    notes = Counter(origin.note for origin in found)
    note = notes.most_common(1)[0][0]
    context = Counter(o.context for o in found if o.context).most_common(1)
    other = context[0][0] if context else ""
    if note is BlameNote.EXHAUSTED:
        reasons.append(
            f"its calls{' to ' + other if other else ''} never left it: its own connection pool,"
            " queue, semaphore or circuit breaker turned them away"
        )
    elif note is BlameNote.NAMED:
        reasons.append(f"{suspect.via or 'its callers'}' errors name it as unreachable")
    elif note is BlameNote.INSTANCE:
        reasons.append(
            f"only its instance {suspect.instance or '(one)'} fails calling {other};"
            " its other instances reach it"
        )
    if suspect.blame is BlameKind.DEPENDENCY and note is not BlameNote.SLOW:
        reasons.append("calls to this uninstrumented dependency fail")
    if suspect.blame is BlameKind.SLOW_CALLEE and note is not BlameNote.SLOW:
        reasons.append("callers time out while it is slow")
    if note is BlameNote.SLOW or (failed and suspect.blame is BlameKind.SLOW_CALLEE):
        reasons += _latency_reasons(found, inputs)
    if suspect.instance and note is not BlameNote.INSTANCE:
        count = inputs.instances.instances(service)
        reasons.append(
            f"all its failing spans come from {suspect.instance}, one of {count} instances"
        )
    return tuple(reasons)


def _rate_reasons(suspect: Suspect, trend: GroupTrend | None, inputs: Ranking) -> list[str]:
    if trend is not None:
        if trend.chronic:
            return [
                f"failing as before: {trend.count} failures where its baseline rate predicts "
                f"{trend.expected:.1f}"
            ]
        if trend.baseline_count == 0:
            return [f"new in the window: {trend.count} failures, none in the baseline"]
        return [f"{trend.count} failures where its baseline rate predicts {trend.expected:.1f}"]
    stats = inputs.stats.get(suspect.service)
    if stats is not None and stats.errors:
        return [
            f"error rate {stats.error_rate:.1%} vs {stats.baseline_error_rate:.1%}"
            " in the baseline window"
        ]
    return []


def _latency_reasons(found: Sequence[TraceOrigin], inputs: Ranking) -> list[str]:
    """The slow operation's latency now and in the baseline, when the store had both."""
    slow = [origin for origin in found if origin.note is BlameNote.SLOW] or list(found)
    operations = Counter((origin.span.service, origin.span.operation) for origin in slow)
    for (service, operation), _ in operations.most_common(3):
        stats = inputs.latency.operation(service, operation)
        if stats is not None and stats.baseline_p95_ns > 0:
            return [
                f"{operation} p95 {stats.p95_ns / NS_PER_MS:,.0f} ms against "
                f"{stats.baseline_p95_ns / NS_PER_MS:,.0f} ms in the baseline"
            ]
    return []


def counterpart_reasons(cause: Suspect, other: str, note: str) -> tuple[str, ...]:
    """Why `other`, the far side of `cause`'s failing calls, is listed just below it."""
    name = cause.service
    if note == BlameNote.EXHAUSTED:
        return (
            f"{name} calls it, but those calls never left {name}",
            f"ranked below {name}: {name}'s own pool, queue or breaker turned the calls away",
        )
    if note == BlameNote.INSTANCE:
        return (
            f"{name} fails calling it from one instance only",
            f"ranked below {name}: the other instances of {name} reach it",
        )
    if note == BlameNote.NAMED:
        why = f"its errors say {name} could not be reached"
    elif note == BlameNote.SLOW or cause.blame is BlameKind.SLOW_CALLEE:
        why = f"it waits on {name}, where the time is spent"
    else:
        why = f"its calls fail on {name}'s side, not in its own code"
    return (f"owns the failing calls to {name}", f"ranked below {name}: {why}")
