"""A `TraceReport` (the answer to `/aisher trace TRACE_ID`) as Slack messages.

    render_trace(trace)         where the trace failed, the exception, the explanation, buttons
    render_trace_thread(trace)  the parent chain, the stack trace and the trace's logs

The same building blocks as a service report (`aisher.slack.report_blocks`), the same escaping
and the same guard.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, Block, ButtonElement, DividerBlock

from aisher.analysis.report import ChainLink, TraceReport
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
from aisher.slack.mrkdwn import (
    code_block,
    inline_code,
    inline_text,
    service_ref,
    signoz_trace_url,
)
from aisher.slack.report_blocks import (
    FEEDBACK_DOWN_ACTION,
    FEEDBACK_UP_ACTION,
    NAME,
    OPEN_SIGNOZ_ACTION,
    chain_blocks,
    log_blocks,
)

MAX_SERVICES = 10
MESSAGE_LIMIT = 1000
SUMMARY_LIMIT = 1500
STACK_LIMIT = 2800
_MAX_URL = 3000


def render_trace(trace: TraceReport, *, signoz_url: str | None = None) -> SlackMessage:
    """The channel message for one trace: where it failed and why, with feedback buttons."""
    short = inline_code(trace.trace_id, 40)
    if not trace.span_count:
        text = (
            f"No spans of trace {short} are stored: it may be older than the retention, "
            "or the id may be mistyped."
        )
        return fit_message(f"Trace {short} not found", [section(text)])
    blocks: list[Block] = [
        header(_headline(trace)),
        section(_failure(trace, signoz_url)),
        *fields_sections(_figures(trace, signoz_url)),
        ActionsBlock(elements=_buttons(trace, signoz_url)),
    ]
    return fit_message(f"Trace {short}: {_verdict(trace)}", blocks)


def render_trace_thread(trace: TraceReport, *, signoz_url: str | None = None) -> list[SlackMessage]:
    """The thread replies for one trace: its parent chain, stack trace and logs."""
    blocks: list[Block] = []
    stack = [section(f"*Stack trace*\n{code_block(trace.stacktrace, STACK_LIMIT)}")]
    for part in (
        chain_blocks(trace.parent_chain, signoz_url, elided=trace.parent_chain_elided),
        stack if trace.stacktrace else [],
        log_blocks(trace.related_logs),
    ):
        if part:
            blocks += [*part, DividerBlock()]
    footer = f"trace report {inline_text(trace.id, NAME)}"
    if trace.generated_at:
        footer += f" · generated {inline_text(trace.generated_at, NAME)}"
    blocks += contexts([footer])
    return split_message(f"Details of trace {inline_code(trace.trace_id, 40)}", blocks)


def _failing(trace: TraceReport) -> ChainLink | None:
    return trace.failing_span or (trace.parent_chain[-1] if trace.parent_chain else None)


def _headline(trace: TraceReport) -> str:
    failing = _failing(trace)
    if failing is None or not trace.error_count:
        return f":white_check_mark: Trace {trace.trace_id}: no errors"
    return f":rotating_light: Trace {trace.trace_id} failed in {failing.service}"


def _verdict(trace: TraceReport) -> str:
    failing = _failing(trace)
    if failing is None or not trace.error_count:
        return "no errors"
    return f"failed in {inline_text(failing.service, NAME)}"


def _failure(trace: TraceReport, signoz_url: str | None) -> str:
    failing = _failing(trace)
    lines = []
    if failing is not None and trace.error_count:
        where = f"{service_ref(failing.service, signoz_url)} {inline_code(failing.operation, NAME)}"
        status = inline_text(failing.status, 20)
        lines.append(f"*Failed at* {where} ({status}, {failing.duration_ms:,.1f} ms)")
    if trace.exception_type or trace.exception_message:
        exception = inline_code(trace.exception_type, NAME) if trace.exception_type else ""
        message = inline_text(trace.exception_message, MESSAGE_LIMIT)
        lines.append(f"{exception} {message}".strip())
    if trace.summary:
        lines.append(f"> {inline_text(trace.summary, SUMMARY_LIMIT)}")
    return "\n".join(lines) or "The trace has no failing span."


def _figures(trace: TraceReport, signoz_url: str | None) -> list[str]:
    names = [service_ref(name, signoz_url) for name in trace.services[:MAX_SERVICES]]
    if len(trace.services) > MAX_SERVICES:
        names.append(f"and {len(trace.services) - MAX_SERVICES} more")
    fields = [f"*Spans*\n{trace.span_count:,}, {trace.error_count:,} with errors"]
    if names:
        fields.append("*Services*\n" + ", ".join(names))
    return fields


def _buttons(trace: TraceReport, signoz_url: str | None) -> list[ButtonElement]:
    buttons = [
        button("Helpful", action_id=FEEDBACK_UP_ACTION, value=trace.id),
        button("Not helpful", action_id=FEEDBACK_DOWN_ACTION, value=trace.id),
    ]
    url = trace.links.get("trace") or (
        signoz_trace_url(signoz_url, trace.trace_id) if signoz_url else None
    )
    if url and len(url) <= _MAX_URL:
        buttons.append(
            button("Open in SigNoz", action_id=OPEN_SIGNOZ_ACTION, value=trace.id, url=url)
        )
    return buttons
