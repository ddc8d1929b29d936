"""Re-runs and feedback: reactions and buttons on Aisher's messages, state in and out of Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.state.feedback import Vote
from aisher.testing.slack_emulator import ALERTS, GENERAL, USER_ID, Message
from tests.slack.app_harness import (
    ROOT_SERVICE,
    WAIT_S,
    Harness,
    alert_payload,
    serving,
    text_of,
)
from tests.support.redis_server import RedisServer


@pytest.fixture
async def bot(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(store, clickhouse_settings, tmp_path) as harness:
        yield harness


async def ask(bot: Harness, channel: str = GENERAL.id) -> Message:
    """Run `/aisher why frontend 30m` and return the summary once its details are posted."""
    bot.slack.push_slash_command("why frontend 30m", channel_id=channel)
    [summary] = await bot.slack.wait_for_posts(1, channel_id=channel, timeout=WAIT_S)
    await bot.idle()
    return summary


def report_id_of(message: Message) -> str:
    for block in message.blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == "aisher_rerun":
                return str(element["value"])
    raise AssertionError("no Re-run button on the message")


class TestRerun:
    async def test_reaction_reruns_into_the_thread_with_what_changed(self, bot: Harness) -> None:
        """The re-run reaction on a summary posts a fresh analysis in its thread, saying what
        changed."""
        summary = await ask(bot)
        replies = len(bot.slack.thread(GENERAL.id, summary.ts)) - 1
        bot.slack.push_event(bot.slack.reaction_added(GENERAL.id, summary.ts, "repeat"))
        thread = await bot.wait_for_thread(GENERAL.id, summary.ts, replies + 2)
        fresh = thread[replies + 1 :]
        note = text_of(fresh[:1])
        assert "Re-run" in note
        assert "root cause is unchanged" in note
        assert "Errors" in note
        assert ROOT_SERVICE in text_of(fresh[1:])
        assert report_id_of(fresh[1]) != report_id_of(summary)
        assert len([m for m in bot.slack.posts(GENERAL.id) if m.thread_ts is None]) == 1

    async def test_button_reruns_into_the_thread(self, bot: Harness) -> None:
        """The Re-run button does the same as the reaction."""
        summary = await ask(bot)
        replies = len(bot.slack.thread(GENERAL.id, summary.ts)) - 1
        envelope = bot.slack.push_block_actions(
            GENERAL.id, summary.ts, "aisher_rerun", report_id_of(summary)
        )
        await bot.slack.wait_for_ack(envelope)
        thread = await bot.wait_for_thread(GENERAL.id, summary.ts, replies + 2)
        assert "Re-run" in text_of(thread[replies + 1 : replies + 2])

    async def test_reaction_on_an_alert_card_reruns_its_analysis(self, bot: Harness) -> None:
        """The re-run reaction on an alert card re-runs the analysis in the card's thread."""
        await bot.post_webhook(alert_payload())
        await bot.idle()
        [card] = [m for m in bot.slack.posts(ALERTS.id) if m.thread_ts is None]
        replies = len(bot.slack.thread(ALERTS.id, card.ts)) - 1
        bot.slack.push_event(bot.slack.reaction_added(ALERTS.id, card.ts, "repeat"))
        thread = await bot.wait_for_thread(ALERTS.id, card.ts, replies + 2)
        assert "Re-run" in text_of(thread[replies + 1 :])

    async def test_reaction_on_other_messages_does_nothing(self, bot: Harness) -> None:
        """A re-run reaction on a message that shows no report is acked and ignored."""
        event = bot.slack.user_message(GENERAL.id, "hello")
        envelope = bot.slack.push_event(bot.slack.reaction_added(GENERAL.id, event["ts"], "repeat"))
        await bot.slack.wait_for_ack(envelope)
        await bot.idle()
        assert bot.slack.posts() == []


class TestFeedback:
    async def test_buttons_store_votes_with_model_and_user(self, bot: Harness) -> None:
        """Helpful / Not helpful store one vote per user with the report's analyzer."""
        summary = await ask(bot)
        report_id = report_id_of(summary)
        envelope = bot.slack.push_block_actions(
            GENERAL.id, summary.ts, "aisher_feedback_up", report_id
        )
        await bot.slack.wait_for_ack(envelope)
        [thanks] = await bot.slack.wait_for_response_posts(envelope, timeout=WAIT_S)
        assert thanks.body["response_type"] == "ephemeral"
        assert "1 found it helpful" in thanks.body["text"]
        assert bot.service.bot is not None
        feedback = bot.service.bot.parts.votes.feedback
        [vote] = await feedback.votes(report_id)
        assert (vote.vote, vote.user, vote.model) == (Vote.UP, USER_ID, "heuristic")
        envelope = bot.slack.push_block_actions(
            GENERAL.id, summary.ts, "aisher_feedback_down", report_id
        )
        await bot.slack.wait_for_response_posts(envelope, timeout=WAIT_S)
        [vote] = await feedback.votes(report_id)
        assert vote.vote is Vote.DOWN

    async def test_thumb_reactions_vote_and_unvote(self, bot: Harness) -> None:
        """+1 on a summary is a vote; removing the reaction withdraws it."""
        summary = await ask(bot)
        report_id = report_id_of(summary)
        added = bot.slack.reaction_added(GENERAL.id, summary.ts, "+1::skin-tone-2")
        await bot.slack.wait_for_ack(bot.slack.push_event(added))
        await bot.idle()
        assert bot.service.bot is not None
        feedback = bot.service.bot.parts.votes.feedback
        [vote] = await feedback.votes(report_id)
        assert vote.vote is Vote.UP
        removed = bot.slack.reaction_added(GENERAL.id, summary.ts, "+1")
        removed["type"] = "reaction_removed"
        await bot.slack.wait_for_ack(bot.slack.push_event(removed))
        await bot.idle()
        assert await feedback.votes(report_id) == []


class TestWithRedis:
    async def test_state_is_shared_through_redis(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        redis_server: RedisServer,
    ) -> None:
        """With Redis, the alert thread map, reports and dedup keys live there."""
        async with serving(store, clickhouse_settings, tmp_path, redis_url=redis_server.url) as bot:
            await bot.post_webhook(alert_payload())
            await bot.idle()
            summary = await ask(bot)
        client = Redis.from_url(redis_server.url)
        try:
            keys = {
                k.decode() if isinstance(k, bytes) else k for k in await client.keys("aisher:*")
            }
        finally:
            await client.aclose()
        assert any(key.startswith("aisher:alert-thread:v1:") for key in keys)
        assert f"aisher:report:v1:{report_id_of(summary)}" in keys
        assert any(key.startswith("aisher:dedup:v1:slack:trigger:") for key in keys)
        assert any(key.startswith("aisher:dedup:v1:alertmanager:") for key in keys)
