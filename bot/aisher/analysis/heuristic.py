"""The deterministic analyzer: names the top-ranked cause and explains it from the evidence.

It answers when no LLM is configured, when the budget is spent, and whenever the LLM fails.
"""

from __future__ import annotations

import re

from aisher.analysis.evidence.model import BlameKind, BlameNote, ErrorGroup, Evidence, Suspect
from aisher.analysis.evidence.stack_frames import top_frame
from aisher.analysis.report import Answer, RootCause

HEURISTIC = "heuristic"
NS_PER_MS = 1_000_000
_POOL = re.compile(
    r"pool|Connection is not available|too many connections|remaining connection slots",
    re.IGNORECASE,
)


def new_causes(evidence: Evidence) -> list[Suspect]:
    """Causes of something new in the window: not symptoms, not chronic, not counterparts."""
    return [s for s in evidence.suspects if not (s.symptom or s.chronic or s.beside)]


def explain(evidence: Evidence) -> Answer:
    """The heuristic answer for the evidence: top cause, a summary and concrete next steps."""
    causes = new_causes(evidence)
    if not causes:
        return Answer(
            root_cause=RootCause(service=None, summary=_no_cause_summary(evidence)),
            remediation=_no_cause_remediation(evidence),
            analyzer=HEURISTIC,
        )
    top = causes[0]
    group = _main_group(evidence, top)
    return Answer(
        root_cause=RootCause(
            service=top.service,
            operation=top.operation,
            exception_type=top.exception_type,
            summary=_summary(evidence, top, group),
        ),
        remediation=_remediation(evidence, top, group),
        analyzer=HEURISTIC,
        citations=top.evidence,
    )


def _main_group(evidence: Evidence, top: Suspect) -> ErrorGroup | None:
    owned = [
        g for g in evidence.new_groups if g.service in (top.service, top.via) and g.origin_count
    ]
    return max(owned, key=lambda group: group.origin_count, default=None)


def _exhausted(evidence: Evidence, top: Suspect) -> bool:
    """Did the top cause's own pool, queue or breaker turn its calls away?"""
    return any(
        origin.blamed == top.service and origin.note is BlameNote.EXHAUSTED
        for origin in evidence.origins
    )


def _slow(evidence: Evidence, top: Suspect) -> bool:
    """Is the top cause where slow traces spend their time (rather than where errors start)?"""
    return evidence.slow_traces > 0 and any(
        origin.blamed == top.service and not origin.span.has_error for origin in evidence.origins
    )


def _summary(evidence: Evidence, top: Suspect, group: ErrorGroup | None) -> str:
    if _slow(evidence, top):
        text = _latency_summary(evidence, top)
    else:
        text = _failure_summary(evidence, top, group)
    path = _propagation(evidence, top)
    if path:
        text += f" It propagates through {path}."
    if top.instance:
        text += f" All of it comes from one instance, {top.instance}."
    if top.deploy is not None:
        text += (
            f" {top.service} was deployed ({top.deploy.old_version} → "
            f"{top.deploy.new_version}) just before or during the window."
        )
    if top.error_rate > 0 and not _slow(evidence, top):
        text += (
            f" Its error rate is {top.error_rate:.1%} against {top.baseline_error_rate:.1%}"
            " in the baseline."
        )
    text += _concurrent_sentence(evidence)
    chronic = evidence.chronic_groups
    if chronic:
        text += (
            f" {len(chronic)} other error group(s) were failing at the same rate before"
            " and are left aside."
        )
    return text


def _failure_summary(evidence: Evidence, top: Suspect, group: ErrorGroup | None) -> str:
    share = f"{top.origin_traces} of {evidence.failing_traces} failing traces"
    failure = top.exception_type or "errors"
    if group and group.message_template:
        failure += f' ("{group.message_template[:120]}")'
    if top.blame is BlameKind.DEPENDENCY:
        text = f"Calls from {top.via or 'the caller'} to {top.service} fail with {failure}"
    elif top.blame is BlameKind.SLOW_CALLEE:
        text = f"{top.service} {top.operation} is slow and its callers time out with {failure}"
    else:
        text = f"{top.service} {top.operation} fails with {failure}"
    if _exhausted(evidence, top):
        text += ", on its own side: the calls never reached the dependency"
    return text + f"; the failure starts there in {share}."


def _latency_summary(evidence: Evidence, top: Suspect) -> str:
    asked = next((op for op in evidence.latency if op.service == evidence.service), None)
    text = f"{evidence.service} got slower than in the baseline"
    if asked is not None:
        text += (
            f" ({asked.operation}: p95 {asked.p95_ns / NS_PER_MS:,.0f} ms against "
            f"{asked.baseline_p95_ns / NS_PER_MS:,.0f} ms)"
        )
    text += ", with few or no new errors"
    where = f"{top.service} {top.operation}".strip()
    if top.blame is BlameKind.DEPENDENCY:
        where = f"calls from {top.via or 'the caller'} to {top.service}"
    return (
        f"{text}. The time goes to {where} in {top.origin_traces} of "
        f"{evidence.slow_traces} slow traces."
    )


def _concurrent_sentence(evidence: Evidence) -> str:
    others = [s for s in evidence.suspects if s.service in evidence.concurrent and not s.beside]
    if not others:
        return ""
    parts = [
        f"{s.service} {s.operation} ({s.exception_type or 'errors'}, "
        f"{s.origin_traces} traces)".replace("  ", " ")
        for s in others
    ]
    return (
        f" Unrelated to it, {len(parts)} more new failure(s) started in the same window: "
        + "; ".join(parts)
        + ". Each is a cause of its own."
    )


def _propagation(evidence: Evidence, top: Suspect) -> str:
    paths = [o.path for o in evidence.origins if o.blamed == top.service and len(o.path) > 1]
    if not paths:
        return ""
    longest = max(paths, key=len)
    return " → ".join(longest[1:]) if longest[0] == top.service else " → ".join(longest)


def _remediation(evidence: Evidence, top: Suspect, group: ErrorGroup | None) -> tuple[str, ...]:
    steps: list[str] = []
    failure_text = f"{top.exception_type} {group.message_template if group else ''}"
    if top.instance:
        steps.append(
            f"Drain or restart {top.instance} and compare it with the other instances of "
            f"{top.service} (configuration, node, network)."
        )
    if top.deploy is not None:
        steps.append(
            f"Roll back {top.service} from {top.deploy.new_version} to "
            f"{top.deploy.old_version}, then fix {top.exception_type or 'the new failure'}"
            f" in {top.operation or 'the failing operation'}."
        )
    if top.blame is BlameKind.DEPENDENCY:
        steps.append(
            f"Check {top.service}'s status and the network path from {top.via or 'the caller'}; "
            "retry with backoff and serve a fallback while it is down."
        )
    elif top.blame is BlameKind.SLOW_CALLEE or _slow(evidence, top):
        steps.append(
            f"Find what slows {top.service} {top.operation} (its own spans hold the time); "
            f"let {top.via or 'its callers'} fail fast with a tighter timeout or a circuit breaker."
        )
    elif _exhausted(evidence, top) or _POOL.search(failure_text):
        steps.append(
            f"Raise {top.service}'s connection pool (or queue) size, or find the slow or leaking "
            "calls that hold its connections; the dependency itself was not reached."
        )
    if group is not None and group.stacktrace:
        frame = top_frame(group.stacktrace)
        if frame:
            steps.append(f"Start from the frame that throws: {frame}")
    for other in evidence.concurrent:
        steps.append(f"Treat {other} as a separate incident: its failures are unrelated.")
    if not steps:
        steps.append(f"Inspect {top.service} {top.operation}: {failure_text.strip()}.")
    own = next((s for s in evidence.stats if s.service == evidence.service), None)
    if own is not None and not _slow(evidence, top):
        steps.append(
            f"Watch {evidence.service}'s error rate return to its baseline "
            f"({own.baseline_error_rate:.1%})."
        )
    return tuple(steps)


def _no_cause_summary(evidence: Evidence) -> str:
    chronic = evidence.chronic_groups
    if chronic:
        top = chronic[0]
        return (
            f"Nothing new fails: the {evidence.failing_traces} failing trace(s) of "
            f"{evidence.service} in this window fail the way they did before, at about the "
            f"baseline rate ({len(chronic)} error group(s); the largest: {top.service} "
            f"{top.operation} {top.exception_type})."
        )
    if evidence.failing_traces == 0:
        return f"No failing traces involve {evidence.service} in this window."
    return (
        f"Not enough evidence to name a root cause: {evidence.failing_traces} failing trace(s) "
        f"involve {evidence.service} in this window."
    )


def _no_cause_remediation(evidence: Evidence) -> tuple[str, ...]:
    if evidence.chronic_groups:
        return (
            "These errors are background: fix them on their own schedule.",
            "If users notice something new, widen the window or ask about a caller.",
        )
    if evidence.failing_traces == 0:
        return ("Widen the window, or check that the service's spans reach SigNoz.",)
    return (
        "Widen the window to gather more failing traces, then run the analysis again.",
        "Open the failing traces below in SigNoz to inspect them directly.",
    )
