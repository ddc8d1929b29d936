"""The deterministic analyzer: names the top-ranked cause and explains it from the evidence.

It answers when no LLM is configured, when the budget is spent, and whenever the LLM fails.
"""

from __future__ import annotations

import re

from aisher.analysis.evidence.model import BlameKind, ErrorGroup, Evidence, Suspect
from aisher.analysis.evidence.stack_frames import top_frame
from aisher.analysis.report import Answer, RootCause

HEURISTIC = "heuristic"
_POOL = re.compile(
    r"pool|Connection is not available|too many connections|remaining connection slots",
    re.IGNORECASE,
)


def explain(evidence: Evidence) -> Answer:
    """The heuristic answer for the evidence: top cause, a summary and concrete next steps."""
    top = evidence.top_suspect
    if top is None or top.symptom:
        return Answer(
            root_cause=RootCause(service=None, summary=_no_cause_summary(evidence)),
            remediation=_no_cause_remediation(evidence),
            analyzer=HEURISTIC,
        )
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
    owned = [g for g in evidence.groups if g.service in (top.service, top.via) and g.origin_count]
    return max(owned, key=lambda group: group.origin_count, default=None)


def _summary(evidence: Evidence, top: Suspect, group: ErrorGroup | None) -> str:
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
    text += f"; the failure starts there in {share}."
    path = _propagation(evidence, top)
    if path:
        text += f" It propagates through {path}."
    if top.deploy is not None:
        text += (
            f" {top.service} was deployed ({top.deploy.old_version} → "
            f"{top.deploy.new_version}) just before or during the window."
        )
    if top.error_rate > 0:
        text += (
            f" Its error rate is {top.error_rate:.1%} against {top.baseline_error_rate:.1%}"
            " in the previous window."
        )
    return text


def _propagation(evidence: Evidence, top: Suspect) -> str:
    paths = [o.path for o in evidence.origins if o.blamed == top.service and len(o.path) > 1]
    if not paths:
        return ""
    longest = max(paths, key=len)
    return " → ".join(longest[1:]) if longest[0] == top.service else " → ".join(longest)


def _remediation(evidence: Evidence, top: Suspect, group: ErrorGroup | None) -> tuple[str, ...]:
    steps: list[str] = []
    failure_text = f"{top.exception_type} {group.message_template if group else ''}"
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
    elif top.blame is BlameKind.SLOW_CALLEE:
        steps.append(
            f"Find what slows {top.service} {top.operation} (its own spans hold the time); "
            f"let {top.via or 'its callers'} fail fast with a tighter timeout or a circuit breaker."
        )
    elif _POOL.search(failure_text):
        steps.append(
            f"Raise {top.service}'s connection pool size or find the slow or leaking queries "
            "that hold connections."
        )
    if group is not None and group.stacktrace:
        frame = top_frame(group.stacktrace)
        if frame:
            steps.append(f"Start from the frame that throws: {frame}")
    if not steps:
        steps.append(f"Inspect {top.service} {top.operation}: {failure_text.strip()}.")
    own = next((s for s in evidence.stats if s.service == evidence.service), None)
    if own is not None:
        steps.append(
            f"Watch {evidence.service}'s error rate return to its baseline "
            f"({own.baseline_error_rate:.1%})."
        )
    return tuple(steps)


def _no_cause_summary(evidence: Evidence) -> str:
    if evidence.failing_traces == 0:
        return f"No failing traces involve {evidence.service} in this window."
    return (
        f"Not enough evidence to name a root cause: {evidence.failing_traces} failing trace(s) "
        f"involve {evidence.service} in this window."
    )


def _no_cause_remediation(evidence: Evidence) -> tuple[str, ...]:
    if evidence.failing_traces == 0:
        return ("Widen the window, or check that the service's spans reach SigNoz.",)
    return (
        "Widen the window to gather more failing traces, then run the analysis again.",
        "Open the failing traces below in SigNoz to inspect them directly.",
    )
