"""Alerts end to end: webhook → queue → worker → card and analysis in Slack; Alertmanager's own
posts answered in their thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import ALERTS, GENERAL
from tests.slack.app_harness import (
    ALERTMANAGER_BOT,
    ROOT_SERVICE,
    WAIT_S,
    Harness,
    alert_payload,
    serving,
    text_of,
)

ACCEPTED = 202


@pytest.fixture
async def bot(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> AsyncIterator[Harness]:
    async with serving(store, clickhouse_settings, tmp_path) as harness:
        yield harness


def top_level(bot: Harness, channel: str) -> list[str]:
    return [m.ts for m in bot.slack.posts(channel) if m.thread_ts is None]


class TestWebhookAlerts:
    async def test_firing_alert_gets_a_card_and_an_analysis_in_its_thread(
        self, bot: Harness
    ) -> None:
        """A firing notification posts a card in the alert channel and the analysis under it."""
        assert await bot.post_webhook(alert_payload()) == ACCEPTED
        posts = await bot.slack.wait_for_posts(1, channel_id=ALERTS.id, timeout=WAIT_S)
        card = posts[0]
        assert "FIRING" in text_of([card])
        assert "HighErrorRate" in card.text
        thread = await bot.wait_for_thread(ALERTS.id, card.ts, 2)
        analysis = text_of(thread[1:])
        assert ROOT_SERVICE in analysis
        assert "KeyError" in analysis

    async def test_repeat_updates_the_card_and_resolve_marks_it(self, bot: Harness) -> None:
        """The same group again updates the one card; resolved marks it and notes it in the
        thread."""
        await bot.post_webhook(alert_payload())
        await bot.idle()
        [card_ts] = top_level(bot, ALERTS.id)
        replies_before = len(bot.slack.thread(ALERTS.id, card_ts))
        second = alert_payload(fingerprint="2b41cb82ddb3a032")  # another alert of the group
        assert await bot.post_webhook(second) == ACCEPTED
        await bot.idle()
        assert top_level(bot, ALERTS.id) == [card_ts]
        updated = bot.slack.updates()[-1]
        assert updated.ts == card_ts
        assert "fired 2 times" in repr(updated.blocks)
        assert len(bot.slack.thread(ALERTS.id, card_ts)) == replies_before
        assert await bot.post_webhook(alert_payload("resolved")) == ACCEPTED
        await bot.idle()
        assert top_level(bot, ALERTS.id) == [card_ts]
        card = bot.slack.message(ALERTS.id, card_ts)
        assert card is not None
        assert "RESOLVED" in text_of([card])
        note = bot.slack.thread(ALERTS.id, card_ts)[-1]
        assert "Resolved" in note.text

    async def test_repeated_webhook_posts_nothing_new(self, bot: Harness) -> None:
        """Alertmanager resending the same notification changes nothing in Slack."""
        await bot.post_webhook(alert_payload())
        await bot.idle()
        before = bot.slack.history(ALERTS.id)
        updates = len(bot.slack.updates())
        assert await bot.post_webhook(alert_payload()) == 200
        await bot.idle()
        assert bot.slack.history(ALERTS.id) == before
        assert len(bot.slack.updates()) == updates

    async def test_webhook_refuses_a_wrong_token(self, bot: Harness) -> None:
        """A notification with the wrong bearer token is refused and nothing is posted."""
        assert await bot.post_webhook(alert_payload(), token="wrong") == 401
        await bot.idle()
        assert bot.slack.posts() == []


class TestAlertmanagerPosts:
    async def test_alertmanager_message_is_answered_in_its_thread(self, bot: Harness) -> None:
        """A message from Alertmanager's bot gets the analysis in its thread, and the re-run
        reaction on that message re-runs it there."""
        event = bot.slack.bot_message(
            GENERAL.id,
            bot_id=ALERTMANAGER_BOT,
            username="Alertmanager",
            attachments=[
                {
                    "title": "[FIRING:1] HighErrorRate frontend (page)",
                    "fallback": "[FIRING:1] HighErrorRate frontend (page)",
                    "color": "danger",
                    "text": "*Details:*\n• *alertname:* `HighErrorRate`\n• *service:* `frontend`",
                }
            ],
        )
        bot.slack.push_event(event)
        thread = await bot.wait_for_thread(GENERAL.id, event["ts"], 2)
        assert ROOT_SERVICE in text_of(thread[1:])
        assert all(m.thread_ts == event["ts"] for m in thread[1:])
        await bot.idle()
        answered = len(bot.slack.thread(GENERAL.id, event["ts"])) - 1
        bot.slack.push_event(bot.slack.reaction_added(GENERAL.id, event["ts"], "repeat"))
        thread = await bot.wait_for_thread(GENERAL.id, event["ts"], answered + 2)
        assert "Re-run" in text_of(thread[answered + 1 :])

    async def test_other_messages_are_acked_and_ignored(self, bot: Harness) -> None:
        """People's messages and other bots' posts are acked and get no answer."""
        people = bot.slack.push_event(bot.slack.user_message(GENERAL.id, "[FIRING:1] joke"))
        other = bot.slack.push_event(
            bot.slack.bot_message(GENERAL.id, bot_id="B_OTHER", text="[FIRING:1] Foo bar")
        )
        for envelope in (people, other):
            await bot.slack.wait_for_ack(envelope)
        await bot.idle()
        assert bot.slack.posts() == []
