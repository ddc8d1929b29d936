"""Every text Aisher says to people in Slack outside the report itself, in one place.

Help, the "analysing …" and "checking …" acknowledgements, error replies, the hint to invite
the bot, the `/aisher status` card, the note posted when a re-run changes the answer and the
replies to buttons (feedback thanks, a report that is gone). Texts are mrkdwn;
anything a user typed or telemetry sent is escaped here, so callers pass raw values.
Durations and moments are formatted here too, so every message words them the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aisher.analysis.report import Report
from aisher.slack.limits import SlackMessage, contexts, fields_sections, fit_message, section
from aisher.slack.mrkdwn import inline_code, inline_text
from aisher.state.feedback import FeedbackCounts, Vote

DEFAULT_WINDOW = "30m"
_NAME = 120  # longest service name, window or word echoed back to the user
_MAX_SUGGESTIONS = 5

HELP_TEXT = (
    "*Aisher explains production errors from SigNoz traces and logs.*\n"
    "• `/aisher why SERVICE [WINDOW]`: what is going wrong with a service, e.g. "
    f"`/aisher why checkout-svc 30m`. WINDOW is a number and a unit s, m, h or d "
    f"(`30m`, `2h`, `1d`); the default is {DEFAULT_WINDOW}.\n"
    "• `/aisher trace TRACE_ID`: why one trace failed (the 32 hex characters SigNoz shows).\n"
    "• `/aisher status`: ClickHouse, Redis, the LLM model, the cache hit rate and today's spend.\n"
    "• `/aisher help`: this text.\n"
    "The answer comes as a summary in the channel with the details in its thread. "
    "*Re-run* on an answer analyses again without the cache; *Helpful* and *Not helpful* "
    "tell us how it did."
)
_WINDOW_RULE = "use a number and a unit s, m, h or d, like `30m`, `2h` or `1d`"
STATUS_CHECKING_TEXT = ":stethoscope: Checking ClickHouse, Redis and the model …"
REPORT_GONE_TEXT = "I no longer have that report, so I cannot run it again. Ask `/aisher why` anew."


def render_help() -> SlackMessage:
    """The reply to `/aisher help` (and to `/aisher` with nothing after it)."""
    return fit_message("How to use /aisher", [section(HELP_TEXT)])


def analysing_text(service: str, window: str) -> str:
    """The immediate acknowledgement of `why`, sent before the analysis starts."""
    return f":mag: Analysing {inline_code(service, _NAME)} over the last {_word(window)} …"


def analysing_trace_text(trace_id: str) -> str:
    """The immediate acknowledgement of `trace`."""
    return f":mag: Looking at trace {inline_code(trace_id, _NAME)} …"


def feedback_thanks_text(choice: Vote, counts: FeedbackCounts) -> str:
    """The ephemeral reply to a feedback click, with the tally so far."""
    said = "helpful" if choice is Vote.UP else "not helpful"
    return f"Thanks, noted as {said}. So far {counts.up} found it helpful, {counts.down} did not."


def unknown_service_text(service: str, suggestions: Sequence[str], known_count: int) -> str:
    """No spans from `service` in the window: close names to try, or how many others exist."""
    text = f"No spans from {inline_code(service, _NAME)} in that window."
    names = [inline_code(name, _NAME) for name in suggestions[:_MAX_SUGGESTIONS]]
    if names:
        return f"{text} Did you mean {_either(names)}?"
    if known_count:
        return f"{text} {known_count} other services sent spans; check the name in SigNoz."
    return f"{text} No service sent spans then; is the window right?"


def bad_window_text(window: str, detail: str | None = None) -> str:
    """A window that cannot be used; `detail` says why when it parsed but is out of range."""
    reason = inline_text(detail, 300) if detail else _WINDOW_RULE
    return f"{inline_code(window, _NAME)} is not a window I can use: {reason}."


def unknown_subcommand_text(word: str) -> str:
    """The first word after `/aisher` is none of the subcommands."""
    return f"I don't know {inline_code(word, _NAME)}.\n{HELP_TEXT}"


def too_many_arguments_text(subcommand: str, extra: Sequence[str], usage: str) -> str:
    """More words than the subcommand takes; the extra ones are named."""
    return (
        f"{inline_code(subcommand, _NAME)} takes fewer words; I don't know what to do with "
        f"{inline_code(' '.join(extra), _NAME)}. Usage: {inline_code(usage, _NAME)}"
    )


def missing_argument_text(subcommand: str, what: str, usage: str) -> str:
    """The subcommand needs an argument that was not given."""
    return f"{inline_code(subcommand, _NAME)} needs {what}. Usage: {inline_code(usage, _NAME)}"


def analysis_failed_text(detail: str) -> str:
    """The analysis could not run (ClickHouse down, a timeout); `detail` is the error's message."""
    return f":warning: I could not finish the analysis: {inline_text(detail, 500)}"


def invitation_hint_text(bot_name: str = "aisher") -> str:
    """Slack refused a post because the bot is not in the channel."""
    name = inline_text(bot_name, _NAME)
    return (
        f"I can't post in this channel because I'm not a member. Invite me with "
        f"`/invite @{name}` and run the command again."
    )


@dataclass(frozen=True, slots=True)
class StatusFacts:
    """What `/aisher status` reports; `None` means not configured or not known yet."""

    clickhouse_ok: bool
    clickhouse_description: str
    redis_ok: bool | None
    llm_model: str | None
    cache_hit_rate: float | None
    spend_today_usd: float
    daily_budget_usd: float | None
    redis_description: str = ""


def render_status(facts: StatusFacts) -> SlackMessage:
    """The reply to `/aisher status`: one field per dependency, and the spend against budget."""
    fields = [
        f"*ClickHouse*\n{_health(facts.clickhouse_ok)} {_about(facts.clickhouse_description)}",
        f"*Redis*\n{_redis(facts)}",
        f"*LLM model*\n{_model(facts.llm_model)}",
        f"*Cache hit rate*\n{_rate(facts.cache_hit_rate)}",
        f"*Spend today*\n{_spend(facts.spend_today_usd, facts.daily_budget_usd)}",
    ]
    state = "ok" if facts.clickhouse_ok and facts.redis_ok is not False else "degraded"
    return fit_message(f"Aisher status: {state}", fields_sections(fields))


def render_rerun_note(before: Report, after: Report) -> SlackMessage:
    """What a re-run changed: the root cause (or that it held), errors and confidence."""
    old, new = _cause(before), _cause(after)
    if old == new:
        headline = f":repeat: Re-run: the root cause is unchanged, {new}."
    else:
        headline = f":repeat: Re-run: the root cause changed from {old} to {new}."
    lines = [headline, f"Errors {_change(before.error_count, after.error_count)}."]
    if before.confidence != after.confidence:
        old_level, new_level = inline_text(before.confidence, 20), inline_text(after.confidence, 20)
        lines.append(f"Confidence {old_level} → {new_level}.")
    text = "Re-run: root cause " + ("unchanged" if old == new else "changed")
    return fit_message(text, [section("\n".join(lines)), *contexts([_fresh(after)])])


def format_duration(length: timedelta) -> str:
    """A duration in its two largest units: `45s`, `30m`, `1h 5m`, `2d 3h`."""
    seconds = max(int(length.total_seconds()), 0)
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts[:2]) or "0s"


def format_moment(moment: datetime) -> str:
    """A moment for people: `2026-11-26 09:58 UTC`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _cause(report: Report) -> str:
    cause = report.root_cause
    if cause.service is None:
        return "none named"
    what = " ".join(part for part in (cause.service, cause.operation) if part)
    return inline_code(what, _NAME)


def _change(before: int, after: int) -> str:
    if before == 0:
        return f"{before:,} → {after:,}"
    percent = (after - before) / before * 100
    return f"{before:,} → {after:,} ({percent:+.0f}%)"


def _fresh(report: Report) -> str:
    return f"fresh analysis by {inline_text(report.analyzer, _NAME)}"


def _health(ok: bool) -> str:
    return ":white_check_mark:" if ok else ":x:"


def _redis(facts: StatusFacts) -> str:
    if facts.redis_ok is None:
        return "not configured (cache and thread map are in this process only)"
    return f"{_health(facts.redis_ok)} {_about(facts.redis_description)}".rstrip()


def _about(description: str) -> str:
    return inline_text(description, 300)


def _model(model: str | None) -> str:
    return inline_code(model, _NAME) if model else "none: heuristic analyzer only"


def _rate(rate: float | None) -> str:
    return "no lookups yet" if rate is None else f"{rate:.0%}"


def _spend(spent: float, budget: float | None) -> str:
    if budget is None:
        return f"${spent:,.2f} (no daily budget)"
    share = f" ({spent / budget:.0%})" if budget > 0 else ""
    return f"${spent:,.2f} of ${budget:,.2f}{share}"


def _word(text: str) -> str:
    return inline_text(text, _NAME)


def _either(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
