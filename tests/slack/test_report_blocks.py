"""Reports and trace reports render as valid, safe Block Kit, whatever the telemetry holds."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aisher.analysis.report import (
    Candidate,
    ChainLink,
    GroupSummary,
    LogLine,
    Report,
    RootCause,
    TokenUsage,
    TraceReport,
)
from aisher.slack.limits import MAX_BLOCKS, MAX_MESSAGE_TEXT, SlackMessage, validate_message
from aisher.slack.report_blocks import (
    CHAIN_TAIL,
    FEEDBACK_DOWN_ACTION,
    FEEDBACK_UP_ACTION,
    OPEN_SIGNOZ_ACTION,
    RERUN_ACTION,
    render_summary,
    render_thread,
)
from aisher.slack.trace_blocks import render_trace, render_trace_thread
from aisher.window import TimeWindow

SIGNOZ = "https://signoz.example"
WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(minutes=30))
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
EVIL = (
    "<!channel> <!here> <!everyone> <@U123> <#C1> <https://evil.example|click> "
    "```\x1b[31mred\x1b[0m``` \u202etxt.exe\u202c & done "
)
HUGE = EVIL + "x" * 10_000


def _chain(depth: int, text: str = "") -> tuple[ChainLink, ...]:
    """A chain `depth` spans deep; with `text`, every name is that text (one shared string,
    so a hostile 10,000-deep chain stays small in memory)."""
    return tuple(
        ChainLink(
            service=text or f"svc-{i}",
            operation=text or f"op-{i}",
            status="error" if i == depth - 1 else "ok",
            duration_ms=1000.0 - i,
            span_id=f"{i:016x}",
            trace_id=TRACE_ID,
            error=(text or "TimeoutError") if i == depth - 1 else "",
        )
        for i in range(depth)
    )


def make_report(**changes: Any) -> Report:
    """A plausible checkout incident, with `changes` applied."""
    fields: dict[str, Any] = {
        "id": "r-0001",
        "service": "checkout-svc",
        "window": WINDOW,
        "error_count": 412,
        "failing_traces": 57,
        "root_cause": RootCause(
            service="payment-svc",
            operation="POST /charge",
            exception_type="TimeoutError",
            summary="payment-svc times out calling the card processor",
        ),
        "confidence": "high",
        "analyzer": "llm:openai/gpt-4o-mini",
        "candidates": (
            Candidate(service="payment-svc", operation="POST /charge", score=0.82),
            Candidate(service="card-gw", operation="authorize", score=0.4, kind="dependency"),
            Candidate(service="checkout-svc", operation="POST /checkout", score=0.2, symptom=True),
            Candidate(service="cart-svc", operation="GET /cart", score=0.1),
        ),
        "parent_chain": _chain(3),
        "related_logs": (
            LogLine(
                time="2026-11-26T09:58:00Z",
                severity="ERROR",
                service="payment-svc",
                body="card processor timed out after 30000ms",
                trace_id=TRACE_ID,
            ),
        ),
        "error_groups": (
            GroupSummary(
                service="payment-svc",
                operation="POST /charge",
                exception_type="TimeoutError",
                message="timed out after <num>ms",
                count=400,
                traces=55,
                origin=True,
                stacktrace="TimeoutError: timed out\n  at charge (pay.py:42)\n  at main",
            ),
        ),
        "remediation": ("Raise the card processor timeout", "Add a circuit breaker"),
        "tokens": TokenUsage(prompt=3200, completion=410),
        "cost_usd": 0.0012,
        "deploys": ("payment-svc 1.4.1 → 1.5.0 at 2026-11-26T09:41:00.000Z",),
        "notes": ("3 traces were sampled out",),
        "prompt_version": "p-7f3a",
        "generated_at": "2026-11-26T10:00:05.000Z",
    }
    fields.update(changes)
    return Report(**fields)


def hostile_report() -> Report:
    """Every telemetry string is huge and full of markup; 60 groups; a 10,000-deep chain."""
    return make_report(
        service=HUGE,
        root_cause=RootCause(service=HUGE, operation=HUGE, exception_type=HUGE, summary=HUGE),
        candidates=tuple(
            Candidate(service=HUGE, operation=HUGE, score=0.5, reasons=(HUGE,) * 3, kind=kind)
            for kind in ("service", "dependency", "slow_callee", "service")
        ),
        parent_chain=_chain(10_000, HUGE),
        related_logs=tuple(
            LogLine(time=HUGE, severity=HUGE, service=HUGE, body=HUGE) for _ in range(200)
        ),
        error_groups=tuple(
            GroupSummary(
                service=HUGE,
                operation=HUGE,
                exception_type=HUGE,
                message=HUGE,
                count=i,
                traces=i,
                origin=True,
                stacktrace=HUGE + "\n" + HUGE,
            )
            for i in range(60)
        ),
        remediation=(HUGE,) * 30,
        deploys=(HUGE,) * 30,
        notes=tuple(f"{i}{HUGE}" for i in range(30)),
        analyzer=HUGE,
        prompt_version=HUGE,
        cached=True,
        cached_at=HUGE,
    )


def _texts(message: SlackMessage) -> list[str]:
    found = [message.text]

    def walk(obj: Any) -> None:
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(obj, list):
            for item in obj:
                walk(item)

    walk(message.blocks)
    return found


def assert_safe(message: SlackMessage, signoz_url: str | None = None) -> None:
    """Valid for Slack, and the only `<` are SigNoz links when its URL was given."""
    validate_message(message.blocks, message.text)
    for text in _texts(message):
        for match in re.finditer("<", text):
            assert signoz_url is not None, text
            assert text.startswith(f"<{signoz_url}/", match.start()), text
        assert "<!" not in text
        assert "<@" not in text
        assert "<#" not in text
        assert "\x1b" not in text
        assert "\u202e" not in text


def _buttons(message: SlackMessage) -> dict[str, dict[str, Any]]:
    actions = [b for b in message.blocks if b["type"] == "actions"]
    return {element["action_id"]: element for element in actions[-1]["elements"]}


def _dump(messages: list[SlackMessage]) -> str:
    return json.dumps([m.blocks for m in messages], ensure_ascii=False)


class TestRenderSummary:
    def test_names_the_root_cause_and_the_figures(self) -> None:
        """Header, root cause, confidence, errors, traces and window are all there."""
        message = render_summary(make_report())
        assert_safe(message)
        dump = _dump([message])
        assert message.blocks[0]["type"] == "header"
        assert "checkout-svc: 412 errors in 30m" in message.blocks[0]["text"]["text"]
        for part in ("payment-svc", "`POST /charge`", "`TimeoutError`", "high confidence"):
            assert part in dump
        assert "412 in 57 failing traces" in dump
        assert "2026-11-26 09:30 UTC" in dump
        assert "payment-svc" in message.text

    def test_top_three_suspects_with_symptoms_marked(self) -> None:
        """Only three suspects show; a symptom and a dependency say what they are."""
        dump = _dump([render_summary(make_report())])
        assert "3. checkout-svc" in dump
        assert "cart-svc" not in dump
        assert "_symptom:" in dump
        assert "_uninstrumented dependency_" in dump

    def test_deploy_and_dependency_hints(self) -> None:
        """Deploys in the window and uninstrumented dependencies are pointed out."""
        dump = _dump([render_summary(make_report())])
        assert "deploy: payment-svc 1.4.1 → 1.5.0" in dump
        assert "calls to card-gw failed" in dump

    def test_notes_and_provenance_in_context(self) -> None:
        """Notes and whether the answer is fresh show under the answer."""
        message = render_summary(make_report())
        context = " ".join(
            e["text"] for b in message.blocks if b["type"] == "context" for e in b["elements"]
        )
        assert "3 traces were sampled out" in context
        assert "fresh analysis" in context

    def test_buttons_carry_the_report_id(self) -> None:
        """Re-run, Helpful and Not helpful all carry the report's id."""
        buttons = _buttons(render_summary(make_report()))
        assert set(buttons) == {RERUN_ACTION, FEEDBACK_UP_ACTION, FEEDBACK_DOWN_ACTION}
        assert {button["value"] for button in buttons.values()} == {"r-0001"}

    def test_signoz_button_and_links_only_with_signoz_url(self) -> None:
        """Without SigNoz's URL there is no link at all; with it, names and the button link."""
        plain = render_summary(make_report())
        assert "<" not in _dump([plain])
        linked = render_summary(make_report(), signoz_url=SIGNOZ)
        assert_safe(linked, SIGNOZ)
        assert f"<{SIGNOZ}/services/payment-svc|payment-svc>" in _dump([linked])
        assert _buttons(linked)[OPEN_SIGNOZ_ACTION]["url"] == f"{SIGNOZ}/services/checkout-svc"

    def test_signoz_button_prefers_the_report_trace_link(self) -> None:
        """A report that carries its trace link opens that trace."""
        report = make_report(links={"trace": f"{SIGNOZ}/trace/{TRACE_ID}"})
        assert _buttons(render_summary(report))[OPEN_SIGNOZ_ACTION]["url"].endswith(TRACE_ID)

    def test_no_root_cause_and_thin_evidence(self) -> None:
        """A report without a named cause says so, and thin evidence is flagged."""
        report = make_report(
            root_cause=RootCause(service=None, summary="too few failing traces"),
            confidence="low",
            insufficient_evidence=True,
            error_count=0,
        )
        message = render_summary(report)
        assert_safe(message)
        dump = _dump([message])
        assert "*No root cause named* (low confidence)" in dump
        assert "The evidence is thin" in dump
        assert "no errors in 30m" in message.blocks[0]["text"]["text"]

    @pytest.mark.parametrize("signoz_url", [None, SIGNOZ])
    def test_hostile_report_fits_one_safe_message(self, signoz_url: str | None) -> None:
        """Huge markup-laden telemetry yields one valid message with no markup from data."""
        message = render_summary(hostile_report(), signoz_url=signoz_url)
        assert_safe(message, signoz_url)
        assert len(message.blocks) <= MAX_BLOCKS
        assert "… (cut, " in _dump([message])
        assert set(_buttons(message)) >= {RERUN_ACTION, FEEDBACK_UP_ACTION, FEEDBACK_DOWN_ACTION}


class TestRenderThread:
    def test_details_in_order(self) -> None:
        """Chain, logs, error groups, next steps and footer appear in that order."""
        messages = render_thread(make_report())
        assert len(messages) == 1
        assert_safe(messages[0])
        dump = _dump(messages)
        order = ["parent chain", "Related logs", "Error groups", "Next steps", "analyzer llm:"]
        positions = [dump.index(part) for part in order]
        assert positions == sorted(positions)

    def test_chain_is_an_indented_tree_in_a_code_block(self) -> None:
        """Each link is one line, indented by depth, with duration and status."""
        dump = _dump(render_thread(make_report()))
        assert "```\\nsvc-0  op-0  ok  1,000.0 ms\\n  └ svc-1  op-1  ok  999.0 ms\\n" in dump
        assert "    └ svc-2  op-2  error  998.0 ms  TimeoutError\\n```" in dump

    def test_deep_chain_is_elided_in_the_middle(self) -> None:
        """A 10,000-deep chain shows the root, a count of the rest, and the last links."""
        messages = render_thread(make_report(parent_chain=_chain(10_000)))
        chain = messages[0].blocks[0]["text"]["text"]
        assert "svc-0  op-0" in chain
        assert "… 9,991 spans …" in chain
        assert "svc-9999  op-9999  error" in chain
        assert "svc-9991 " not in chain
        assert len(chain) < 1500

    def test_spans_the_report_left_out_join_the_count(self) -> None:
        """`parent_chain_elided` is counted in the "… N spans …" line, even for a short chain."""
        short = render_thread(make_report(parent_chain=_chain(3), parent_chain_elided=500))
        lines = [line.strip() for line in short[0].blocks[0]["text"]["text"].split("\n")]
        marker = lines.index("└ … 500 spans …")
        assert lines[marker - 1].startswith("svc-0  op-0")
        assert lines[marker + 1].startswith("└ svc-1  op-1")
        long = render_thread(make_report(parent_chain=_chain(21), parent_chain_elided=500))
        assert f"… {500 + 21 - 1 - CHAIN_TAIL:,} spans …" in long[0].blocks[0]["text"]["text"]

    def test_groups_show_one_stack_trace_each(self) -> None:
        """Each group shows its count, origin and stack trace in a code block."""
        dump = _dump(render_thread(make_report()))
        assert "*400×* payment-svc" in dump
        assert "_starts here_" in dump
        assert "```\\nTimeoutError: timed out\\n  at charge (pay.py:42)\\n  at main\\n```" in dump

    def test_footer_says_where_the_answer_came_from(self) -> None:
        """Analyzer, tokens, cost, cached or fresh, prompt version and report id."""
        fresh = _dump(render_thread(make_report()))
        for part in ("tokens 3,200 in / 410 out", "cost $0.0012", "fresh analysis", "p-7f3a"):
            assert part in fresh
        cached = _dump(render_thread(make_report(cached=True, cached_at="2026-11-26T09:00Z")))
        assert "cached answer from 2026-11-26T09:00Z" in cached

    def test_many_groups_are_capped_with_a_count(self) -> None:
        """With more groups than shown, the title says how many there were."""
        groups = tuple(
            make_report().error_groups[0].model_copy(update={"count": i}) for i in range(60)
        )
        dump = _dump(render_thread(make_report(error_groups=groups)))
        assert "the 10 largest of 60" in dump

    def test_empty_report_has_just_the_footer(self) -> None:
        """No chain, logs, groups or steps: one reply with the footer."""
        report = make_report(parent_chain=(), related_logs=(), error_groups=(), remediation=())
        (message,) = render_thread(report)
        assert_safe(message)
        assert [block["type"] for block in message.blocks] == ["context"]

    @pytest.mark.parametrize("signoz_url", [None, SIGNOZ])
    def test_hostile_report_is_split_into_safe_replies(self, signoz_url: str | None) -> None:
        """Huge telemetry is cut with markers and spread over replies, each within limits."""
        messages = render_thread(hostile_report(), signoz_url=signoz_url)
        assert 1 < len(messages) <= 6
        for message in messages:
            assert_safe(message, signoz_url)
            assert sum(len(t) for t in _texts(message)[1:]) <= MAX_MESSAGE_TEXT
        dump = _dump(messages)
        assert "… (cut, " in dump
        assert "… 9,991 spans …" in dump
        assert "```" not in dump.replace("```\\n", "").replace("\\n```", "")


def make_trace(**changes: Any) -> TraceReport:
    failing = _chain(3)[-1]
    fields: dict[str, Any] = {
        "id": "t-0001",
        "trace_id": TRACE_ID,
        "span_count": 12,
        "error_count": 2,
        "services": ("checkout-svc", "payment-svc"),
        "failing_span": failing,
        "parent_chain": _chain(3),
        "related_logs": make_report().related_logs,
        "exception_type": "TimeoutError",
        "exception_message": "timed out after 30000ms",
        "stacktrace": "TimeoutError\n  at charge (pay.py:42)",
        "summary": "The charge call timed out.",
    }
    fields.update(changes)
    return TraceReport(**fields)


class TestRenderTrace:
    def test_names_the_failing_span_and_exception(self) -> None:
        """The message says where the trace failed and with what."""
        message = render_trace(make_trace())
        assert_safe(message)
        dump = _dump([message])
        assert f"Trace {TRACE_ID} failed in svc-2" in message.blocks[0]["text"]["text"]
        assert "`TimeoutError` timed out after 30000ms" in dump
        assert "12, 2 with errors" in dump
        assert {b["value"] for b in _buttons(message).values()} == {"t-0001"}
        assert OPEN_SIGNOZ_ACTION not in _buttons(message)

    def test_links_only_with_signoz_url(self) -> None:
        """With SigNoz's URL the trace opens there."""
        message = render_trace(make_trace(), signoz_url=SIGNOZ)
        assert_safe(message, SIGNOZ)
        assert _buttons(message)[OPEN_SIGNOZ_ACTION]["url"] == f"{SIGNOZ}/trace/{TRACE_ID}"

    def test_trace_not_found(self) -> None:
        """A trace with no stored spans gets a short explanation."""
        message = render_trace(make_trace(span_count=0, error_count=0, failing_span=None))
        assert_safe(message)
        assert "No spans of trace" in message.blocks[0]["text"]["text"]

    def test_thread_counts_the_spans_the_report_left_out(self) -> None:
        """A trace report's `parent_chain_elided` shows in its chain's "… N spans …" line."""
        dump = _dump(render_trace_thread(make_trace(parent_chain_elided=1)))
        assert "… 1 span …" in dump

    def test_thread_has_chain_stack_and_logs(self) -> None:
        """The thread shows the chain, the stack trace and the logs."""
        messages = render_trace_thread(make_trace())
        dump = _dump(messages)
        for part in ("parent chain", "*Stack trace*", "at charge (pay.py:42)", "Related logs"):
            assert part in dump

    @pytest.mark.parametrize("signoz_url", [None, SIGNOZ])
    def test_hostile_trace_is_safe(self, signoz_url: str | None) -> None:
        """Huge markup-laden trace data renders within limits and inert."""
        trace = make_trace(
            services=(HUGE,) * 40,
            failing_span=_chain(1, HUGE)[0],
            parent_chain=_chain(10_000, HUGE),
            related_logs=hostile_report().related_logs,
            exception_type=HUGE,
            exception_message=HUGE,
            stacktrace=HUGE * 3,
            summary=HUGE,
        )
        assert_safe(render_trace(trace, signoz_url=signoz_url), signoz_url)
        for message in render_trace_thread(trace, signoz_url=signoz_url):
            assert_safe(message, signoz_url)
