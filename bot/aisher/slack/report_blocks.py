"""A `Report` as Slack messages: a summary for the channel and the details for its thread.

    render_summary(report)  header, root cause, figures, top suspects, hints, notes, buttons
    render_thread(report)   the parent chain, related logs, error groups with one stack trace
                            each, next steps and a footer; as many replies as the limits need

Every telemetry string is escaped through `aisher.slack.mrkdwn`, and every message passes the
guard of `aisher.slack.limits`. Names link to SigNoz only when its URL is given.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock

from aisher.analysis.masking import truncate_text
from aisher.analysis.report import ChainLink, GroupSummary, LogLine, Report
from aisher.slack.limits import (
    SlackMessage,
    button,
    contexts,
    fields_sections,
    fit_message,
    header,
    section,
    split_message,
)
from aisher.slack.messages import format_duration, format_moment
from aisher.slack.mrkdwn import (
    code_block,
    code_blocks,
    inline_code,
    inline_text,
    service_ref,
    signoz_service_url,
    trace_ref,
)

RERUN_ACTION = "aisher_rerun"
FEEDBACK_UP_ACTION = "aisher_feedback_up"
FEEDBACK_DOWN_ACTION = "aisher_feedback_down"
OPEN_SIGNOZ_ACTION = "aisher_open_signoz"

MAX_SUSPECTS = 3
MAX_HINTS = 5
MAX_NOTES = 5
MAX_GROUPS = 10
MAX_LOGS = 30
MAX_STEPS = 10
# A chain shows its root, then "… N spans …", then the spans nearest the failure; indentation
# stops growing at MAX_INDENT so a chain thousands deep still fits one code block.
CHAIN_TAIL = 8
MAX_INDENT = 6
CODE_LIMIT = 2800
LINE_LIMIT = 220
STACK_LIMIT = 1500
NAME = 120  # longest service, operation or exception name shown
PROSE = 600  # longest reason, note or step shown in the thread
BRIEF = 300  # the same in the summary, which must fit one message
_MAX_URL = 3000
_BLAME = {"dependency": "uninstrumented dependency", "slow_callee": "slow callee"}


def render_summary(report: Report, *, signoz_url: str | None = None) -> SlackMessage:
    """The channel message: what failed, how sure, the top suspects and the action buttons."""
    blocks: list[Block] = [
        header(_headline(report)),
        section(_root_cause(report, signoz_url)),
        *fields_sections(_figures(report)),
    ]
    for text in (_suspects(report, signoz_url), _hints(report, signoz_url)):
        if text:
            blocks.append(section(text))
    blocks += contexts([*_notes(report), _provenance(report)])
    blocks.append(ActionsBlock(elements=_buttons(report, signoz_url)))
    return fit_message(_fallback(report), blocks)


def render_thread(report: Report, *, signoz_url: str | None = None) -> list[SlackMessage]:
    """The thread replies: chain, logs, error groups, next steps and a footer, in order."""
    blocks: list[Block] = []
    for part in (
        chain_blocks(report.parent_chain, signoz_url, elided=report.parent_chain_elided),
        log_blocks(report.related_logs),
        _group_blocks(report.error_groups, signoz_url),
        _step_blocks(report.remediation),
    ):
        if part:
            blocks += [*part, DividerBlock()]
    blocks += contexts(_footer(report))
    service = inline_text(report.service, NAME)
    return split_message(f"Details of the analysis of {service}", blocks)


def chain_blocks(
    chain: Sequence[ChainLink], signoz_url: str | None, *, elided: int = 0
) -> list[Block]:
    """The failing span's parent chain as an indented tree, root first, in one code block.

    `elided` counts the spans the report already left out between the root and the next link
    (`parent_chain_elided`); they join the count of those cut here.
    """
    if not chain:
        return []
    trace = trace_ref(chain[-1].trace_id, signoz_url) if chain[-1].trace_id else ""
    title = "*Failing span's parent chain* (root first)" + (f", trace {trace}" if trace else "")
    shown = _elided(chain, elided)
    return _titled_code(title, [_chain_line(link, depth) for depth, link in shown])


def log_blocks(logs: Sequence[LogLine]) -> list[Block]:
    """Related logs, one line each, in as many code blocks as they need."""
    if not logs:
        return []
    lines = [f"{log.time} {log.severity:<5} {log.service}  {log.body}" for log in logs[:MAX_LOGS]]
    more = f", the first {MAX_LOGS} shown" if len(logs) > MAX_LOGS else ""
    return _titled_code(f"*Related logs* ({len(logs):,}{more})", lines)


def _titled_code(title: str, lines: Sequence[str]) -> list[Block]:
    """A title over lines of untrusted text in code blocks, one section per block."""
    chunks = code_blocks(lines, CODE_LIMIT, LINE_LIMIT)
    return [section(f"{title}\n{chunks[0]}"), *(section(chunk) for chunk in chunks[1:])]


def _elided(chain: Sequence[ChainLink], elided: int) -> list[tuple[int, ChainLink | int]]:
    """(depth, link) for the links shown; an int in place of a link counts the spans elided,
    `elided` of them left out before and the rest cut here. Depths stay the spans' real ones."""
    tail = list(chain[1:])
    hidden = max(elided, 0)
    if len(chain) > CHAIN_TAIL + 2:
        hidden += len(tail) - CHAIN_TAIL
        tail = tail[-CHAIN_TAIL:]
    if not hidden:
        return list(enumerate(chain))
    return [
        (0, chain[0]),
        (1, hidden),
        *((hidden + depth, link) for depth, link in enumerate(tail, start=1)),
    ]


def _chain_line(link: ChainLink | int, depth: int) -> str:
    indent = "  " * min(depth, MAX_INDENT) + ("└ " if depth else "")
    if isinstance(link, int):
        return f"{indent}… {link:,} {'span' if link == 1 else 'spans'} …"
    error = f"  {truncate_text(link.error, NAME)}" if link.error else ""
    where = f"{truncate_text(link.service, NAME // 2)}  {truncate_text(link.operation, NAME)}"
    status = truncate_text(link.status, 20)
    return f"{indent}{where}  {status}  {link.duration_ms:,.1f} ms{error}"


def _group_blocks(groups: Sequence[GroupSummary], signoz_url: str | None) -> list[Block]:
    if not groups:
        return []
    shown = f"the {MAX_GROUPS} largest of {len(groups)}" if len(groups) > MAX_GROUPS else ""
    blocks: list[Block] = [section("*Error groups*" + (f" ({shown})" if shown else ""))]
    for group in groups[:MAX_GROUPS]:
        origin = " · _starts here_" if group.origin else ""
        title = (
            f"*{group.count:,}×* {service_ref(group.service, signoz_url)} "
            f"{inline_code(group.operation, NAME)} {inline_code(group.exception_type, NAME)}"
            f" in {group.traces:,} traces{origin}"
        )
        lines = [title]
        if group.message:
            lines.append(inline_text(group.message, PROSE))
        if group.stacktrace:
            lines.append(code_block(group.stacktrace, STACK_LIMIT))
        blocks.append(section("\n".join(lines)))
    return blocks


def _step_blocks(steps: Sequence[str]) -> list[Block]:
    if not steps:
        return []
    bullets = "\n".join(f"• {inline_text(step, PROSE)}" for step in steps[:MAX_STEPS])
    return [section(f"*Next steps*\n{bullets}")]


def _headline(report: Report) -> str:
    length = format_duration(report.window.length)
    if not report.error_count:
        return f":white_check_mark: {report.service}: no errors in {length}"
    return f":rotating_light: {report.service}: {report.error_count:,} errors in {length}"


def _root_cause(report: Report, signoz_url: str | None) -> str:
    cause = report.root_cause
    confidence = inline_text(report.confidence, 20)
    if cause.service is None:
        lines = [f"*No root cause named* ({confidence} confidence)"]
    else:
        where = _where(cause.service, cause.operation, signoz_url)
        lines = [f"*Root cause:* {where} ({confidence} confidence)"]
        if cause.exception_type:
            lines.append(inline_code(cause.exception_type, NAME))
    if cause.summary:
        lines.append(f"> {inline_text(cause.summary, 1500)}")
    if report.insufficient_evidence:
        lines.append("_The evidence is thin: treat this as a lead, not a verdict._")
    return "\n".join(lines)


def _where(service: str, operation: str, signoz_url: str | None) -> str:
    """A service and its operation as mrkdwn, the service linked to SigNoz when known."""
    return f"{service_ref(service, signoz_url)} {inline_code(operation, NAME)}".strip()


def _figures(report: Report) -> list[str]:
    window = report.window
    figures = [
        f"*Errors*\n{report.error_count:,} in {report.failing_traces:,} failing traces",
        f"*Window*\n{format_moment(window.start)} → {format_moment(window.end)}",
    ]
    if report.span_count:
        figures.append(
            f"*Error rate*\n{report.error_rate:.1%} of {report.span_count:,} spans "
            f"(before: {report.baseline_error_rate:.1%})"
        )
    return figures


def _suspects(report: Report, signoz_url: str | None) -> str:
    lines = []
    for rank, candidate in enumerate(report.candidates[:MAX_SUSPECTS], start=1):
        marks = [f"score {candidate.score:.2f}"]
        if candidate.symptom:
            marks.append("_symptom: fails because something below it does_")
        elif candidate.kind in _BLAME:
            marks.append(f"_{_BLAME[candidate.kind]}_")
        where = _where(candidate.service, candidate.operation, signoz_url)
        lines.append(f"{rank}. {where} · {' · '.join(marks)}")
        if candidate.reasons:
            lines.append(f"      {inline_text('; '.join(candidate.reasons), BRIEF)}")
    return "*Top suspects*\n" + "\n".join(lines) if lines else ""


def _hints(report: Report, signoz_url: str | None) -> str:
    hints = [f"deploy: {inline_text(deploy, BRIEF)}" for deploy in report.deploys]
    for candidate in report.candidates:
        name = service_ref(candidate.service, signoz_url)
        if candidate.kind == "dependency" and not candidate.symptom:
            hints.append(f"dependency: calls to {name} failed, and it sends no traces of its own")
        elif candidate.kind == "slow_callee" and not candidate.symptom:
            hints.append(f"dependency: callers of {name} timed out while it was slow")
    if not hints:
        return ""
    more = len(hints) - MAX_HINTS
    lines = [f"• {hint}" for hint in hints[:MAX_HINTS]]
    if more > 0:
        lines.append(f"• … and {more} more")
    return "*Hints*\n" + "\n".join(lines)


def _notes(report: Report) -> list[str]:
    notes = [f":information_source: {inline_text(n, BRIEF)}" for n in report.notes[:MAX_NOTES]]
    if len(report.notes) > MAX_NOTES:
        notes.append(f"… and {len(report.notes) - MAX_NOTES} more notes")
    return notes


def _provenance(report: Report) -> str:
    answer = "cached answer" if report.cached else "fresh analysis"
    return f"{answer} · {inline_text(report.analyzer, NAME)}"


def _footer(report: Report) -> list[str]:
    parts = [f"analyzer {inline_text(report.analyzer, NAME)}"]
    if report.tokens.prompt or report.tokens.completion:
        parts.append(f"tokens {report.tokens.prompt:,} in / {report.tokens.completion:,} out")
        parts.append(f"cost ${report.cost_usd:.4f}")
    if report.cached:
        parts.append(f"cached answer from {inline_text(report.cached_at or 'earlier', NAME)}")
    else:
        parts.append("fresh analysis")
    if report.prompt_version:
        parts.append(f"prompt {inline_text(report.prompt_version, NAME)}")
    parts.append(f"report {inline_text(report.id, NAME)}")
    return [" · ".join(parts)]


def _buttons(report: Report, signoz_url: str | None) -> list[ButtonElement]:
    buttons = [
        button("Re-run", action_id=RERUN_ACTION, value=report.id, style="primary"),
        button("Helpful", action_id=FEEDBACK_UP_ACTION, value=report.id),
        button("Not helpful", action_id=FEEDBACK_DOWN_ACTION, value=report.id),
    ]
    url = _signoz_link(report, signoz_url)
    if url:
        buttons.append(
            button("Open in SigNoz", action_id=OPEN_SIGNOZ_ACTION, value=report.id, url=url)
        )
    return buttons


def _signoz_link(report: Report, signoz_url: str | None) -> str | None:
    """The report's own trace link, else the service page when SigNoz's URL is known."""
    url = report.links.get("trace")
    if not url and signoz_url:
        url = signoz_service_url(signoz_url, report.service)
    return url if url and len(url) <= _MAX_URL else None


def _fallback(report: Report) -> str:
    cause = report.root_cause
    service = inline_text(report.service, NAME)
    if cause.service is None:
        return f"{service}: {report.error_count:,} errors, no root cause named"
    named = inline_text(f"{cause.service} {cause.operation}".strip(), NAME * 2)
    return (
        f"{service}: {report.error_count:,} errors, root cause {named} "
        f"({inline_text(report.confidence, 20)} confidence)"
    )
