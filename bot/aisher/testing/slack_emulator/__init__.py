"""A Slack for tests and offline runs: Web API, Socket Mode websocket and response URLs on
loopback, in a thread of the calling process.

    with SlackEmulator() as slack:              # or `async with`, or the `slack_emulator` fixture
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
        app = AsyncApp(client=client)
        handler = AsyncSocketModeHandler(app, app_token=slack.app_token)  # inside a running loop
        await handler.connect_async()
        envelope_id = slack.push_slash_command("why checkout-svc 30m")
        ack = await slack.wait_for_ack(envelope_id)
        posts = await slack.wait_for_posts(1, channel_id="C_ALERTS")

A bot in a subprocess gets `SLACK_BOT_TOKEN=slack.bot_token`, `SLACK_APP_TOKEN=slack.app_token`
and `AISHER_SLACK_API_URL=slack.api_url`; the test then waits with `wait_for_sync` (or the
async `wait_for*`), since the emulator serves from its own thread. `aisher bench --only slack`
drives the bot through it the same way. Nothing here imports pytest: the `slack_emulator`
fixture is a test-side wrapper.
"""

from aisher.testing.slack_emulator.emulator import SlackEmulator
from aisher.testing.slack_emulator.events import USER_ID, USER_NAME
from aisher.testing.slack_emulator.records import (
    Ack,
    ApiCall,
    Channel,
    Connection,
    Delivery,
    Ephemeral,
    Identity,
    Message,
    Reaction,
    ResponsePost,
    Update,
)
from aisher.testing.slack_emulator.web_api import DEFAULT_SCOPES
from aisher.testing.slack_emulator.workspace import ALERTS, GENERAL, OUTSIDE, PRIVATE

__all__ = [
    "ALERTS",
    "DEFAULT_SCOPES",
    "GENERAL",
    "OUTSIDE",
    "PRIVATE",
    "USER_ID",
    "USER_NAME",
    "Ack",
    "ApiCall",
    "Channel",
    "Connection",
    "Delivery",
    "Ephemeral",
    "Identity",
    "Message",
    "Reaction",
    "ResponsePost",
    "SlackEmulator",
    "Update",
]
