"""User-facing texts say what to do, escape what users and telemetry wrote, and fit Slack."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aisher.analysis.report import Report, RootCause
from aisher.slack.limits import SlackMessage, validate_message
from aisher.slack.messages import (
    HELP_TEXT,
    REPORT_GONE_TEXT,
    STATUS_CHECKING_TEXT,
    StatusFacts,
    analysing_text,
    analysing_trace_text,
    analysis_failed_text,
    bad_window_text,
    feedback_thanks_text,
    format_duration,
    format_moment,
    invitation_hint_text,
    missing_argument_text,
    render_help,
    render_rerun_note,
    render_status,
    too_many_arguments_text,
    unknown_service_text,
    unknown_subcommand_text,
)
from aisher.state.feedback import FeedbackCounts, Vote
from aisher.window import TimeWindow

EVIL = "<!channel>"
WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(minutes=30))


def _report(service: str | None, errors: int, confidence: str = "high") -> Report:
    return Report(
        service="checkout-svc",
        window=WINDOW,
        error_count=errors,
        failing_traces=1,
        root_cause=RootCause(service=service, operation="POST /charge" if service else ""),
        confidence=confidence,
        analyzer="heuristic",
    )


def _body(message: SlackMessage) -> str:
    validate_message(message.blocks, message.text)
    return "\n".join(
        str(block.get("text", {}).get("text", ""))
        + "\n".join(f["text"] for f in block.get("fields", ()))
        + "\n".join(e["text"] for e in block.get("elements", ()))
        for block in message.blocks
    )


class TestHelp:
    def test_lists_every_subcommand_and_the_default_window(self) -> None:
        """why, trace, status and help are explained; the default window is 30m."""
        for part in ("/aisher why SERVICE [WINDOW]", "/aisher trace TRACE_ID", "/aisher status"):
            assert part in HELP_TEXT
        assert "default is 30m" in HELP_TEXT

    def test_renders_as_a_valid_message(self) -> None:
        """The help reply passes the guard."""
        assert "Aisher explains" in _body(render_help())


class TestAcknowledgements:
    def test_analysing_names_service_and_window(self) -> None:
        """The ack says what is being analysed."""
        assert analysing_text("checkout-svc", "30m") == (
            ":mag: Analysing `checkout-svc` over the last 30m …"
        )
        assert "`4bf92f35`" in analysing_trace_text("4bf92f35")

    def test_user_input_is_escaped(self) -> None:
        """Whatever the user typed cannot ping anyone when echoed back."""
        assert "<" not in analysing_text(EVIL, EVIL)


class TestErrorTexts:
    def test_unknown_service_suggests_close_names(self) -> None:
        """Suggestions are listed as alternatives."""
        text = unknown_service_text("chekout", ["checkout-svc", "checkout-web"], 12)
        assert text == (
            "No spans from `chekout` in that window. Did you mean `checkout-svc` or `checkout-web`?"
        )

    def test_unknown_service_without_suggestions(self) -> None:
        """Without close names the text says how many others exist, or that none did."""
        assert "12 other services" in unknown_service_text("x", [], 12)
        assert "No service sent spans" in unknown_service_text("x", [], 0)

    def test_bad_window_states_the_rule(self) -> None:
        """A malformed window gets the format; an out-of-range one gets the reason."""
        assert "like `30m`, `2h` or `1d`" in bad_window_text("30x")
        assert "at most 15d" in bad_window_text("30d", "SigNoz keeps 15 days, at most 15d")

    @pytest.mark.parametrize(
        "text",
        [
            unknown_subcommand_text(EVIL),
            too_many_arguments_text("why", ["a", EVIL], "/aisher why SERVICE [WINDOW]"),
            missing_argument_text("why", "a service name", "/aisher why SERVICE [WINDOW]"),
            unknown_service_text(EVIL, [EVIL], 1),
            bad_window_text(EVIL, EVIL),
            analysis_failed_text(EVIL),
            invitation_hint_text(EVIL),
        ],
    )
    def test_no_markup_from_input(self, text: str) -> None:
        """Error texts echo input escaped."""
        assert "<" not in text

    def test_unknown_subcommand_shows_usage(self) -> None:
        """An unknown word gets the help text."""
        assert unknown_subcommand_text("wyh").endswith(HELP_TEXT)

    def test_too_many_arguments_names_the_extra_words(self) -> None:
        """The words that were too many are shown."""
        text = too_many_arguments_text("why", ["2h", "now"], "/aisher why SERVICE [WINDOW]")
        assert "`2h now`" in text

    def test_invitation_hint(self) -> None:
        """The hint tells how to invite the bot."""
        assert "`/invite @aisher`" in invitation_hint_text()

    def test_report_gone_says_how_to_ask_again(self) -> None:
        """A re-run of a forgotten report points to asking anew."""
        assert "`/aisher why`" in REPORT_GONE_TEXT


class TestButtonReplies:
    def test_feedback_thanks_names_the_vote_and_the_tally(self) -> None:
        """The thanks says which way the vote went and the counts so far."""
        up = feedback_thanks_text(Vote.UP, FeedbackCounts(up=3, down=1))
        assert up == "Thanks, noted as helpful. So far 3 found it helpful, 1 did not."
        assert "noted as not helpful" in feedback_thanks_text(Vote.DOWN, FeedbackCounts())

    def test_status_acknowledgement_names_what_is_checked(self) -> None:
        """`/aisher status` is acknowledged with what is being checked."""
        assert all(part in STATUS_CHECKING_TEXT for part in ("ClickHouse", "Redis", "model"))


class TestRenderStatus:
    def test_all_healthy(self) -> None:
        """Each dependency, the model, hit rate and spend against budget are shown."""
        facts = StatusFacts(
            clickhouse_ok=True,
            clickhouse_description="SigNoz ClickHouse at ch:8123",
            redis_ok=True,
            redis_description="redis:6379",
            llm_model="openai/gpt-4o-mini",
            cache_hit_rate=0.834,
            spend_today_usd=0.42,
            daily_budget_usd=5.0,
        )
        message = render_status(facts)
        body = _body(message)
        assert message.text == "Aisher status: ok"
        for part in (
            ":white_check_mark: SigNoz ClickHouse at ch:8123",
            ":white_check_mark: redis:6379",
            "`openai/gpt-4o-mini`",
            "83%",
            "$0.42 of $5.00 (8%)",
        ):
            assert part in body

    def test_degraded_and_unconfigured(self) -> None:
        """A down ClickHouse, no Redis, no model, no lookups and no budget each read plainly."""
        facts = StatusFacts(
            clickhouse_ok=False,
            clickhouse_description=EVIL,
            redis_ok=None,
            llm_model=None,
            cache_hit_rate=None,
            spend_today_usd=0.0,
            daily_budget_usd=None,
        )
        message = render_status(facts)
        body = _body(message)
        assert message.text == "Aisher status: degraded"
        assert "<" not in body
        for part in (":x:", "not configured", "heuristic analyzer only", "no lookups yet"):
            assert part in body
        assert "no daily budget" in body


class TestRenderRerunNote:
    def test_unchanged_root_cause(self) -> None:
        """Same cause: the note says so and shows the error counts."""
        body = _body(render_rerun_note(_report("payment-svc", 400), _report("payment-svc", 500)))
        assert "root cause is unchanged, `payment-svc POST /charge`" in body
        assert "Errors 400 → 500 (+25%)" in body
        assert "Confidence" not in body

    def test_changed_root_cause_and_confidence(self) -> None:
        """A new cause and confidence are both shown, old → new."""
        before = _report(None, 0, "low")
        after = _report("payment-svc", 20, "medium")
        message = render_rerun_note(before, after)
        body = _body(message)
        assert "changed from none named to `payment-svc POST /charge`" in body
        assert "Errors 0 → 20." in body
        assert "Confidence low → medium." in body
        assert message.text == "Re-run: root cause changed"


class TestFormatting:
    @pytest.mark.parametrize(
        ("length", "text"),
        [
            (timedelta(seconds=45), "45s"),
            (timedelta(minutes=30), "30m"),
            (timedelta(hours=1, minutes=5, seconds=9), "1h 5m"),
            (timedelta(days=2, hours=3), "2d 3h"),
            (timedelta(0), "0s"),
        ],
    )
    def test_durations_in_two_units(self, length: timedelta, text: str) -> None:
        """Durations read in their two largest units."""
        assert format_duration(length) == text

    def test_moments_in_utc(self) -> None:
        """Moments show in UTC to the minute."""
        moment = datetime(2026, 11, 26, 11, 58, tzinfo=UTC) + timedelta(seconds=59)
        assert format_moment(moment) == "2026-11-26 11:58 UTC"
