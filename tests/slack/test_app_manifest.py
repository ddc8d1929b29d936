"""manifest.yml: every event it subscribes to has a listener, and every scope it asks for is
used (and enough: the emulator refuses calls whose scope the app lacks)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import GENERAL, OUTSIDE, PRIVATE, SlackEmulator
from tests.slack.app_harness import ROOT_SERVICE, WAIT_S, Harness, serving, text_of

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.yml"
SLACK_PACKAGE = ROOT / "bot" / "aisher" / "slack"

# What Slack requires for each subscription and Web API method (docs.slack.dev reference).
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "reaction_added": "reactions:read",
    "reaction_removed": "reactions:read",
}
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_replies": {"channels:history", "groups:history"},
}
# Not tied to an event or a method call: the slash command itself, and posting alert cards and
# answers in public channels the bot was not invited to.
OTHER_SCOPES = {"commands", "chat:write.public"}


def manifest() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return document


def bot_events() -> list[str]:
    return list(manifest()["settings"]["event_subscriptions"]["bot_events"])


def called_methods() -> set[str]:
    """Web API methods the bot's code calls on its client."""
    source = "\n".join(path.read_text() for path in SLACK_PACKAGE.glob("*.py"))
    return set(re.findall(r"\.(chat_\w+|conversations_\w+|reactions_\w+|users_\w+)\(", source))


class TestManifestShape:
    def test_socket_mode_with_the_slash_command_and_interactivity(self) -> None:
        """Socket Mode is on, /aisher has a usage hint and is unescaped, buttons are enabled."""
        document = manifest()
        assert document["settings"]["socket_mode_enabled"] is True
        assert document["settings"]["interactivity"]["is_enabled"] is True
        [command] = document["features"]["slash_commands"]
        assert command["command"] == "/aisher"
        assert command["should_escape"] is False
        assert "why" in command["usage_hint"]
        assert "url" not in command

    def test_every_scope_is_needed(self) -> None:
        """The scopes are exactly what the events, the called methods and posting need."""
        needed = set(OTHER_SCOPES)
        for event in bot_events():
            needed.add(EVENT_SCOPES[event])
        for method in called_methods():
            needed |= METHOD_SCOPES[method]
        assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


@pytest.fixture
async def bot(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> AsyncIterator[Harness]:
    """The bot on an emulator granting exactly the manifest's scopes."""
    emulator = SlackEmulator(scopes=manifest()["oauth_config"]["scopes"]["bot"])
    async with serving(store, clickhouse_settings, tmp_path, slack=emulator) as harness:
        yield harness


class TestManifestAgainstTheApp:
    async def test_every_subscribed_event_is_acked(self, bot: Harness) -> None:
        """Each bot event in the manifest reaches a listener, so it is acked, not redelivered."""
        bot.slack.set_member(PRIVATE.id, True)
        posted = bot.slack.user_message(GENERAL.id, "hello")
        examples = {
            "app_mention": bot.slack.app_mention(GENERAL.id, "<@U_AISHER> help"),
            "message.channels": bot.slack.user_message(GENERAL.id, "a public message"),
            "message.groups": bot.slack.user_message(PRIVATE.id, "a private message"),
            "reaction_added": bot.slack.reaction_added(GENERAL.id, posted["ts"], "eyes"),
            "reaction_removed": {
                **bot.slack.reaction_added(GENERAL.id, posted["ts"], "eyes"),
                "type": "reaction_removed",
            },
        }
        assert set(bot_events()) == set(examples)
        for event in bot_events():
            envelope = bot.slack.push_event(examples[event])
            await bot.slack.wait_for_ack(envelope)

    async def test_unsubscribed_events_are_not_acked(self, bot: Harness) -> None:
        """An event without a listener is left unacked, which is why every subscription needs
        one (this is the check working, not a wish)."""
        envelope = bot.slack.push_event({"type": "team_join", "user": {"id": "U_NEW"}})
        await bot.slack.assert_no_ack(envelope)

    async def test_answers_in_a_public_channel_it_was_not_invited_to(self, bot: Harness) -> None:
        """With the manifest's scopes the bot answers in a public channel it is not a member of,
        and a mention gets its answer in the mention's thread."""
        bot.slack.push_slash_command("why frontend 30m", channel_id=OUTSIDE.id)
        posts = await bot.slack.wait_for_posts(1, channel_id=OUTSIDE.id, timeout=WAIT_S)
        assert ROOT_SERVICE in text_of(posts)
        mention = bot.slack.app_mention(GENERAL.id, "<@U_AISHER> why frontend 30m")
        bot.slack.push_event(mention)
        thread = await bot.wait_for_thread(GENERAL.id, mention["ts"], 2)
        assert ROOT_SERVICE in text_of(thread[1:])
        await bot.idle()
        assert all(call.ok for call in bot.slack.calls() if call.method != "apps.connections.open")
