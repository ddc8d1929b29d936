"""`/aisher` against the real Bolt app over the Slack emulator, on the incident in chDB."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import GENERAL, PRIVATE
from tests.slack.app_harness import ROOT_SERVICE, WAIT_S, Harness, serving, text_of

ACK_DEADLINE_S = 3.0


@pytest.fixture
async def bot(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(store, clickhouse_settings, tmp_path) as harness:
        yield harness


class TestSlashCommand:
    async def test_why_acks_then_posts_summary_and_thread(self, bot: Harness) -> None:
        """`why` is acked with "analysing" at once, then a summary and threaded details name
        the root cause."""
        envelope = bot.slack.push_slash_command("why frontend 30m", channel_id=GENERAL.id)
        ack = await bot.slack.wait_for_ack(envelope)
        assert ack.latency_s < ACK_DEADLINE_S
        assert ack.payload is not None
        assert "Analysing" in ack.payload["text"]
        posts = await bot.slack.wait_for_posts(1, channel_id=GENERAL.id, timeout=WAIT_S)
        summary = posts[0]
        assert summary.thread_ts is None
        assert ROOT_SERVICE in text_of([summary])
        assert "KeyError" in text_of([summary])
        thread = await bot.wait_for_thread(GENERAL.id, summary.ts, 1)
        details = text_of(thread[1:])
        assert ROOT_SERVICE in details
        assert "POST /charge" in details
        action_ids = {
            element.get("action_id")
            for block in summary.blocks
            for element in block.get("elements", [])
        }
        assert {"aisher_rerun", "aisher_feedback_up", "aisher_feedback_down"} <= action_ids

    async def test_acks_do_not_wait_behind_running_analyses(self, bot: Harness) -> None:
        """While several analyses run, another command is still acked within Slack's 3 s."""
        for _ in range(3):
            bot.slack.push_slash_command("why frontend 30m", channel_id=GENERAL.id)
        envelope = bot.slack.push_slash_command("help")
        ack = await bot.slack.wait_for_ack(envelope)
        assert ack.latency_s < ACK_DEADLINE_S
        await bot.slack.wait_for_posts(3, channel_id=GENERAL.id, timeout=WAIT_S)

    @pytest.mark.parametrize(
        ("text", "needle"),
        [
            ("explode", "don't know"),
            ("why frontend 30m extra", "takes fewer words"),
            ("why frontend 30x", "not a window"),
            ("why", "needs a service name"),
            ("trace nothex", "not a trace id"),
        ],
    )
    async def test_bad_input_gets_an_ephemeral_explanation(
        self, bot: Harness, text: str, needle: str
    ) -> None:
        """Text that does not parse is explained in the ack itself and nothing is posted."""
        envelope = bot.slack.push_slash_command(text)
        ack = await bot.slack.wait_for_ack(envelope)
        assert ack.payload is not None
        assert needle in ack.payload["text"]
        assert "Traceback" not in ack.payload["text"]
        await bot.idle()
        assert bot.slack.posts() == []

    async def test_unknown_service_suggests_close_names(self, bot: Harness) -> None:
        """A misspelt service is answered through response_url with a suggestion, no post."""
        envelope = bot.slack.push_slash_command("why frontnd 30m")
        await bot.slack.wait_for_ack(envelope)
        replies = await bot.slack.wait_for_response_posts(envelope, timeout=WAIT_S)
        body = replies[0].body
        assert body["response_type"] == "ephemeral"
        assert "frontend" in body["text"]
        await bot.idle()
        assert bot.slack.posts() == []

    async def test_window_beyond_retention_is_explained(self, bot: Harness) -> None:
        """A window longer than SigNoz keeps is refused with the reason, ephemerally."""
        envelope = bot.slack.push_slash_command("why frontend 30d")
        await bot.slack.wait_for_ack(envelope)
        replies = await bot.slack.wait_for_response_posts(envelope, timeout=WAIT_S)
        assert "not a window I can use" in replies[0].body["text"]
        assert "15" in replies[0].body["text"]

    async def test_private_channel_gets_the_answer_by_response_url(self, bot: Harness) -> None:
        """In a channel the bot is not in, the summary comes through response_url with a hint."""
        envelope = bot.slack.push_slash_command("why frontend 30m", channel_id=PRIVATE.id)
        await bot.slack.wait_for_ack(envelope)
        replies = await bot.slack.wait_for_response_posts(envelope, timeout=WAIT_S)
        body = replies[0].body
        assert body["response_type"] == "ephemeral"
        assert "/invite @aisher" in repr(body["blocks"])
        assert ROOT_SERVICE in repr(body["blocks"])
        assert bot.slack.posts() == []

    async def test_help_is_answered_in_the_ack(self, bot: Harness) -> None:
        """`help` (and an empty command) answer with the usage in the ack."""
        for text in ("help", ""):
            envelope = bot.slack.push_slash_command(text)
            ack = await bot.slack.wait_for_ack(envelope)
            assert ack.payload is not None
            assert "/aisher why SERVICE" in repr(ack.payload)

    async def test_status_reports_dependencies(self, bot: Harness) -> None:
        """`status` acks, then shows ClickHouse up, no Redis, no model, and the spend."""
        envelope = bot.slack.push_slash_command("status")
        await bot.slack.wait_for_ack(envelope)
        replies = await bot.slack.wait_for_response_posts(envelope, timeout=WAIT_S)
        body = repr(replies[0].body)
        assert "ClickHouse" in body
        assert ":white_check_mark:" in body
        assert "heuristic analyzer only" in body
        assert "not configured" in body

    async def test_trace_explains_one_trace(self, bot: Harness) -> None:
        """`trace ID` posts where that trace failed, with details in the thread."""
        trace_id = bot.incident.failing_frontend_traces[0]
        envelope = bot.slack.push_slash_command(f"trace {trace_id}", channel_id=GENERAL.id)
        ack = await bot.slack.wait_for_ack(envelope)
        assert ack.payload is not None
        assert "Looking at trace" in ack.payload["text"]
        posts = await bot.slack.wait_for_posts(1, channel_id=GENERAL.id, timeout=WAIT_S)
        summary = posts[0]
        assert ROOT_SERVICE in text_of([summary])
        assert "KeyError" in text_of([summary])
        thread = await bot.wait_for_thread(GENERAL.id, summary.ts, 1)
        assert "POST /charge" in text_of(thread[1:])
