"""Delivery over Socket Mode: redeliveries, rate limits, dropped and refreshed connections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import GENERAL
from tests.slack.app_harness import ROOT_SERVICE, WAIT_S, Harness, serving, text_of


@pytest.fixture
async def bot(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(store, clickhouse_settings, tmp_path) as harness:
        yield harness


async def answered(bot: Harness, channel: str = GENERAL.id) -> None:
    """`/aisher why` is acked and answered with a summary naming the root cause."""
    before = len([m for m in bot.slack.posts(channel) if m.thread_ts is None])
    envelope = bot.slack.push_slash_command("why frontend 30m", channel_id=channel)
    await bot.slack.wait_for_ack(envelope, timeout=WAIT_S)
    await bot.slack.wait_for(
        lambda: len([m for m in bot.slack.posts(channel) if m.thread_ts is None]) > before,
        timeout=WAIT_S,
        what="a new summary",
    )
    summaries = [m for m in bot.slack.posts(channel) if m.thread_ts is None]
    assert ROOT_SERVICE in text_of(summaries[-1:])


class TestRedelivery:
    async def test_redelivered_command_is_acked_but_not_run_again(self, bot: Harness) -> None:
        """The same slash command envelope delivered twice gets two acks and one answer."""
        envelope = bot.slack.push_slash_command("why frontend 30m", channel_id=GENERAL.id)
        await bot.slack.wait_for_ack(envelope)
        bot.slack.redeliver(envelope)
        await bot.slack.wait_for_ack(envelope, attempt=1)
        await bot.slack.wait_for_posts(1, channel_id=GENERAL.id, timeout=WAIT_S)
        await bot.idle()
        assert len([m for m in bot.slack.posts() if m.thread_ts is None]) == 1

    async def test_redelivered_event_is_acked_but_not_run_again(self, bot: Harness) -> None:
        """A re-run reaction event retried by Slack (same event id) re-runs once."""
        await answered(bot)
        [summary] = bot.slack.posts(GENERAL.id)[:1]
        await bot.idle()
        posts = len(bot.slack.posts())
        envelope = bot.slack.push_event(bot.slack.reaction_added(GENERAL.id, summary.ts, "repeat"))
        await bot.slack.wait_for_ack(envelope)
        bot.slack.redeliver(envelope, retry_reason="timeout")
        await bot.slack.wait_for_ack(envelope, attempt=1)
        await bot.idle()
        rerun_notes = [m for m in bot.slack.posts() if "Re-run" in m.text]
        assert len(rerun_notes) == 1
        assert len(bot.slack.posts()) > posts


class TestRateLimits:
    async def test_rate_limited_posts_are_retried_and_delivered(self, bot: Harness) -> None:
        """Two 429s with Retry-After on chat.postMessage delay the answer but do not lose it."""
        bot.slack.inject_rate_limit("chat.postMessage", times=2, retry_after=0)
        await answered(bot)
        statuses = [call.http_status for call in bot.slack.calls("chat.postMessage")]
        assert statuses[:3] == [429, 429, 200]


class TestConnection:
    async def test_dropped_socket_is_replaced_and_the_bot_still_answers(self, bot: Harness) -> None:
        """After the TCP stream is cut, the client reconnects and answers the next command."""
        await answered(bot)
        bot.slack.drop_socket()
        await bot.slack.wait_for_connection(2, timeout=WAIT_S)
        assert len(bot.slack.calls("apps.connections.open")) >= 2
        await answered(bot)

    async def test_disconnect_request_is_followed_by_a_new_connection(self, bot: Harness) -> None:
        """Slack's `disconnect` envelope makes the client open a new socket and keep working."""
        bot.slack.disconnect("refresh_requested")
        await bot.slack.wait_for_connection(2, timeout=WAIT_S)
        await answered(bot)
        assert bot.slack.acks()[-1].connection >= 2
