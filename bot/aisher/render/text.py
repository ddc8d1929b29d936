"""The report as plain terminal text, readable at 100 columns.

Everything that comes from telemetry or from the LLM goes through `safe_text`: names as one
line with visible ⏎ for hidden line breaks, sentences with whitespace collapsed, the stack trace
as a block of lines; none of them can write an escape sequence or a line of their own.
"""

from __future__ import annotations

from aisher.analysis.report import ChainLink, GroupSummary, Report
from aisher.render.safe_text import block, one_line, prose
from aisher.window import iso

MAX_LOG_CHARS = 160
MAX_REASON_CHARS = 300
MAX_STEP_CHARS = 500
MAX_STACK_LINES = 25
GUTTER = "│ "
STACK_LINE_CHARS = 160
# The chain shows the root and the spans nearest the failure; the builder caps it already, this
# keeps a report from elsewhere (an old cache entry, the REST API) just as short.
CHAIN_TAIL = 20
# Indentation shows depth for the first few levels only, so a deep chain stays 100 columns wide.
MAX_INDENT = 8


def render_text(report: Report) -> str:
    lines = [_headline(report), ""]
    lines += _root_cause(report)
    for section in (
        _suspects,
        _chain,
        _groups,
        _also_failing,
        _stack,
        _logs,
        _next_steps,
        _deploys,
    ):
        part = section(report)
        if part:
            lines += ["", *part]
    lines += ["", _footer(report)]
    lines += [f"Note: {prose(note)}" for note in report.notes]
    return "\n".join(lines)


def _suspects(report: Report) -> list[str]:
    if not report.candidates:
        return []
    lines = ["Suspects (causes first, symptoms last):"]
    for rank, candidate in enumerate(report.candidates, start=1):
        label = "symptom" if candidate.symptom else one_line(candidate.kind.replace("_", " "))
        lines.append(
            f"  {rank}. {one_line(candidate.service)}  {one_line(candidate.operation)}  "
            f"score {candidate.score:.2f}  [{label}]"
        )
        if candidate.reasons:
            reasons = "; ".join(prose(reason, MAX_REASON_CHARS) for reason in candidate.reasons)
            lines.append(f"     {reasons}")
    return lines


def _chain(report: Report) -> list[str]:
    chain = report.parent_chain
    if not chain:
        return []
    tail = chain[1:]
    hidden = report.parent_chain_elided
    if len(tail) > CHAIN_TAIL:
        hidden += len(tail) - CHAIN_TAIL
        tail = tail[-CHAIN_TAIL:]
    lines = ["Failing span's parent chain (root first):", _chain_line(chain[0], 0)]
    if hidden:
        noun = "span" if hidden == 1 else "spans"
        lines.append(f"{_indent(1)}… {hidden:,} {noun} elided …")
    lines += [_chain_line(link, hidden + depth) for depth, link in enumerate(tail, start=1)]
    lines.append(f"  trace {one_line(chain[-1].trace_id)}")
    return lines


def _chain_line(link: ChainLink, depth: int) -> str:
    error = f"  {one_line(link.error)}" if link.error else ""
    return (
        f"{_indent(depth)}{one_line(link.service)}  {one_line(link.operation)}  "
        f"{one_line(link.status)}  {link.duration_ms:.1f} ms{error}"
    )


def _indent(depth: int) -> str:
    return "  " + "  " * min(depth, MAX_INDENT) + ("└ " if depth else "")


def _groups(report: Report) -> list[str]:
    if not report.error_groups:
        return []
    lines = ["Error groups:"]
    for group in report.error_groups:
        origin = " (starts here)" if group.origin else ""
        message = f": {prose(group.message)}" if group.message else ""
        lines.append(
            f"  {group.count:>5}× {one_line(group.service)} {one_line(group.operation)} "
            f"{one_line(group.exception_type)}{message}{origin}"
        )
    return lines


def _also_failing(report: Report) -> list[str]:
    """Groups that failed at the same rate before the window: background, listed apart."""
    if not report.also_failing:
        return []
    lines = ["Also failing, as before:"]
    for group in report.also_failing:
        message = f": {prose(group.message)}" if group.message else ""
        lines.append(
            f"  {group.count:>5}× {one_line(group.service)} {one_line(group.operation)} "
            f"{one_line(group.exception_type)}{message}"
        )
    return lines


def _stack(report: Report) -> list[str]:
    """The stack trace of the group where the errors start (else of the largest group)."""
    group = _stack_group(report.error_groups)
    if group is None:
        return []
    where = f"{one_line(group.service)} {one_line(group.operation)}"
    lines = block(group.stacktrace, max_lines=MAX_STACK_LINES, line_limit=STACK_LINE_CHARS)
    # A gutter marks every line as part of the trace: the trace's own lines cannot pass for
    # the report's, even one that reads "Root cause (high confidence): …".
    return [f"Stack trace ({where}):", *(f"  {GUTTER}{line}" for line in lines)]


def _stack_group(groups: tuple[GroupSummary, ...]) -> GroupSummary | None:
    with_stack = [group for group in groups if group.stacktrace.strip()]
    preferred = [group for group in with_stack if group.origin] or with_stack
    return preferred[0] if preferred else None


def _logs(report: Report) -> list[str]:
    if not report.related_logs:
        return []
    lines = ["Related logs:"]
    for log in report.related_logs:
        lines.append(
            f"  {one_line(log.time)} {one_line(log.severity):<5} {one_line(log.service)}  "
            f"{prose(log.body, MAX_LOG_CHARS)}"
        )
    return lines


def _next_steps(report: Report) -> list[str]:
    return (
        ["Next steps:", *(f"  - {prose(step, MAX_STEP_CHARS)}" for step in report.remediation)]
        if report.remediation
        else []
    )


def _deploys(report: Report) -> list[str]:
    if not report.deploys:
        return []
    return ["Deploys:", *(f"  {prose(deploy, MAX_STEP_CHARS)}" for deploy in report.deploys)]


def _headline(report: Report) -> str:
    window = report.window
    minutes = int(window.length.total_seconds() // 60)
    return (
        f"{one_line(report.service)}: {report.error_count} errors in {report.failing_traces} "
        f"failing traces, {iso(window.start)} → {iso(window.end)} ({minutes} min)"
    )


def _root_cause(report: Report) -> list[str]:
    cause = report.root_cause
    if cause.service is None:
        return [
            f"No root cause named ({one_line(report.confidence)} confidence).",
            f"  {prose(cause.summary)}",
        ]
    what = " ".join(one_line(part) for part in (cause.service, cause.operation) if part)
    lines = [f"Root cause ({one_line(report.confidence)} confidence): {what}"]
    if cause.exception_type:
        lines.append(f"  {one_line(cause.exception_type)}")
    if cause.summary:
        lines.append(f"  {prose(cause.summary)}")
    return lines


def _footer(report: Report) -> str:
    parts = [f"analyzer: {one_line(report.analyzer)}"]
    if report.cached:
        parts.append(f"cached answer from {one_line(report.cached_at or '')}")
    if report.tokens.prompt or report.tokens.completion:
        parts.append(f"tokens {report.tokens.prompt} in / {report.tokens.completion} out")
        parts.append(f"cost ${report.cost_usd:.4f}")
    if report.links.get("trace"):
        parts.append(f"trace: {one_line(report.links['trace'], 500)}")
    return " · ".join(parts)
