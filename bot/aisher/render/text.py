"""The report as plain terminal text, readable at 100 columns."""

from __future__ import annotations

from aisher.analysis.report import Report
from aisher.window import iso

MAX_LOG_CHARS = 160


def render_text(report: Report) -> str:
    lines = [_headline(report), ""]
    lines += _root_cause(report)
    for section in (_suspects, _chain, _groups, _logs, _next_steps, _deploys):
        block = section(report)
        if block:
            lines += ["", *block]
    lines += ["", _footer(report)]
    lines += [f"Note: {note}" for note in report.notes]
    return "\n".join(lines)


def _suspects(report: Report) -> list[str]:
    if not report.candidates:
        return []
    lines = ["Suspects (causes first, symptoms last):"]
    for rank, candidate in enumerate(report.candidates, start=1):
        label = "symptom" if candidate.symptom else candidate.kind.replace("_", " ")
        lines.append(
            f"  {rank}. {candidate.service}  {candidate.operation}  "
            f"score {candidate.score:.2f}  [{label}]"
        )
        if candidate.reasons:
            lines.append(f"     {'; '.join(candidate.reasons)}")
    return lines


def _chain(report: Report) -> list[str]:
    if not report.parent_chain:
        return []
    lines = ["Failing span's parent chain (root first):"]
    for depth, link in enumerate(report.parent_chain):
        prefix = "  " + "  " * depth + ("└ " if depth else "")
        error = f"  {link.error}" if link.error else ""
        lines.append(
            f"{prefix}{link.service}  {link.operation}  {link.status}"
            f"  {link.duration_ms:.1f} ms{error}"
        )
    lines.append(f"  trace {report.parent_chain[-1].trace_id}")
    return lines


def _groups(report: Report) -> list[str]:
    if not report.error_groups:
        return []
    lines = ["Error groups:"]
    for group in report.error_groups:
        origin = " (starts here)" if group.origin else ""
        message = f": {group.message}" if group.message else ""
        lines.append(
            f"  {group.count:>5}× {group.service} {group.operation} "
            f"{group.exception_type}{message}{origin}"
        )
    return lines


def _logs(report: Report) -> list[str]:
    if not report.related_logs:
        return []
    lines = ["Related logs:"]
    for log in report.related_logs:
        body = " ".join(log.body.split())
        if len(body) > MAX_LOG_CHARS:
            body = body[: MAX_LOG_CHARS - 1] + "…"
        lines.append(f"  {log.time} {log.severity:<5} {log.service}  {body}")
    return lines


def _next_steps(report: Report) -> list[str]:
    return (
        ["Next steps:", *(f"  - {step}" for step in report.remediation)]
        if report.remediation
        else []
    )


def _deploys(report: Report) -> list[str]:
    return ["Deploys:", *(f"  {deploy}" for deploy in report.deploys)] if report.deploys else []


def _headline(report: Report) -> str:
    window = report.window
    minutes = int(window.length.total_seconds() // 60)
    return (
        f"{report.service}: {report.error_count} errors in {report.failing_traces} failing "
        f"traces, {iso(window.start)} → {iso(window.end)} ({minutes} min)"
    )


def _root_cause(report: Report) -> list[str]:
    cause = report.root_cause
    if cause.service is None:
        return [f"No root cause named ({report.confidence} confidence).", f"  {cause.summary}"]
    what = " ".join(part for part in (cause.service, cause.operation) if part)
    lines = [f"Root cause ({report.confidence} confidence): {what}"]
    if cause.exception_type:
        lines.append(f"  {cause.exception_type}")
    if cause.summary:
        lines.append(f"  {cause.summary}")
    return lines


def _footer(report: Report) -> str:
    parts = [f"analyzer: {report.analyzer}"]
    if report.cached:
        parts.append(f"cached answer from {report.cached_at}")
    if report.tokens.prompt or report.tokens.completion:
        parts.append(f"tokens {report.tokens.prompt} in / {report.tokens.completion} out")
        parts.append(f"cost ${report.cost_usd:.4f}")
    if report.links.get("trace"):
        parts.append(f"trace: {report.links['trace']}")
    return " · ".join(parts)
