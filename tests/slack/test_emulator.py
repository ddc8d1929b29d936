"""The Slack emulator, driven by the real slack_sdk and slack_bolt clients."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import FixedValueRetryIntervalCalculator
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from aisher.testing.slack_emulator import SlackEmulator
from aisher.testing.slack_emulator.message_rules import check_message

TS = re.compile(r"^\d{10}\.\d{6}$")
FAST_PING_S = 0.2  # the SDK notices a dead socket one ping interval after it died


def web_client(emulator: SlackEmulator, token: str | None = None, **options: Any) -> AsyncWebClient:
    return AsyncWebClient(token=token or emulator.bot_token, base_url=emulator.api_url, **options)


async def api_error(call: Any) -> SlackApiError:
    """The SlackApiError an awaited Web API call raises."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value


@dataclass
class Bolt:
    """A bolt AsyncApp on the emulator; `connect()` opens Socket Mode once listeners are set."""

    emulator: SlackEmulator
    app: AsyncApp
    handlers: list[AsyncSocketModeHandler] = field(default_factory=list)

    async def connect(self, ping_interval: float = 10) -> AsyncSocketModeHandler:
        handler = AsyncSocketModeHandler(
            self.app, app_token=self.emulator.app_token, ping_interval=ping_interval
        )
        self.handlers.append(handler)
        await handler.connect_async()
        await self.emulator.wait_for_connection(len(self.emulator.connections()) or 1)
        return handler


@pytest.fixture
async def bolt(slack_emulator: SlackEmulator) -> AsyncIterator[Bolt]:
    client = web_client(
        slack_emulator, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
    )
    harness = Bolt(slack_emulator, AsyncApp(client=client))
    try:
        yield harness
    finally:
        for handler in harness.handlers:
            await handler.close_async()


class TestWebApi:
    async def test_auth_test_names_the_bot(self, slack_emulator: SlackEmulator) -> None:
        """auth.test answers the bot's ids and lists the scopes in x-oauth-scopes."""
        response = await web_client(slack_emulator).auth_test()
        identity = slack_emulator.identity
        assert (response["team_id"], response["user_id"], response["bot_id"]) == (
            identity.team_id,
            identity.bot_user_id,
            identity.bot_id,
        )
        assert "chat:write" in response.headers["x-oauth-scopes"].split(",")

    async def test_tokens_are_checked(self, slack_emulator: SlackEmulator) -> None:
        """Only an xoxb- bearer passes; an app token or none at all is refused."""
        wrong = await api_error(web_client(slack_emulator, "xapp-1-swapped").auth_test())
        assert wrong.response["error"] == "invalid_auth"
        anonymous = AsyncWebClient(base_url=slack_emulator.api_url)
        missing = await api_error(anonymous.chat_postMessage(channel="C_ALERTS", text="x"))
        assert missing.response["error"] == "not_authed"

    async def test_post_update_and_thread(self, slack_emulator: SlackEmulator) -> None:
        """Posts get Slack-shaped ts; updates change the stored message; replies keep thread_ts."""
        client = web_client(slack_emulator)
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*checkout-svc*"}}]
        parent = await client.chat_postMessage(channel="C_ALERTS", text="summary", blocks=blocks)
        assert TS.match(parent["ts"])
        assert parent["channel"] == "C_ALERTS"
        assert parent["message"]["bot_id"] == slack_emulator.identity.bot_id
        reply = await client.chat_postMessage(
            channel="C_ALERTS", text="details", thread_ts=parent["ts"]
        )
        updated = await client.chat_update(channel="C_ALERTS", ts=parent["ts"], text="resolved")
        assert updated["text"] == "resolved"
        posts = slack_emulator.posts("C_ALERTS")
        assert [(p.ts, p.text, p.thread_ts) for p in posts] == [
            (parent["ts"], "resolved", None),
            (reply["ts"], "details", parent["ts"]),
        ]
        assert posts[0].blocks == tuple(blocks)
        assert posts[0].edited
        assert [(u.ts, u.text) for u in slack_emulator.updates()] == [(parent["ts"], "resolved")]
        missing = await api_error(client.chat_update(channel="C_ALERTS", ts="1.000001", text="x"))
        assert missing.response["error"] == "message_not_found"

    async def test_ts_are_unique_and_increasing(self, slack_emulator: SlackEmulator) -> None:
        """Messages posted back to back still get strictly increasing timestamps."""
        client = web_client(slack_emulator)
        answers = await asyncio.gather(
            *(client.chat_postMessage(channel="C_GENERAL", text=str(n)) for n in range(8))
        )
        stamps = sorted(answer["ts"] for answer in answers)
        assert len(set(stamps)) == 8
        assert [m.ts for m in slack_emulator.posts("C_GENERAL")] == stamps

    async def test_channel_access_follows_slack(self, slack_emulator: SlackEmulator) -> None:
        """Unknown and hidden private channels do not exist; public ones need chat:write.public."""
        client = web_client(slack_emulator)
        assert (await client.chat_postMessage(channel="C_OUTSIDE", text="x"))["ok"]
        for channel in ("C_NOPE", "G_PRIVATE"):
            error = await api_error(client.chat_postMessage(channel=channel, text="x"))
            assert error.response["error"] == "channel_not_found"
        scopes = slack_emulator.scopes - {"chat:write.public"}
        async with SlackEmulator(scopes=scopes) as strict:
            refused = await api_error(
                web_client(strict).chat_postMessage(channel="C_OUTSIDE", text="x")
            )
            assert refused.response["error"] == "not_in_channel"
            strict.set_member("C_OUTSIDE", True)
            assert (await web_client(strict).chat_postMessage(channel="#outside", text="x"))["ok"]

    async def test_conversations_info_and_replies(self, slack_emulator: SlackEmulator) -> None:
        """conversations.info tells membership; replies of a reply's ts start with the parent."""
        client = web_client(slack_emulator)
        info = await client.conversations_info(channel="C_OUTSIDE")
        assert info["channel"]["is_member"] is False
        assert (await client.conversations_info(channel="C_ALERTS"))["channel"]["is_member"]
        alert = slack_emulator.add_message("C_ALERTS", "[FIRING:1] HighErrorRate", bot_id="B_AM")
        reply = await client.chat_postMessage(channel="C_ALERTS", text="r", thread_ts=alert.ts)
        thread = await client.conversations_replies(channel="C_ALERTS", ts=reply["ts"])
        assert [m["ts"] for m in thread["messages"]] == [alert.ts, reply["ts"]]
        assert thread["messages"][1]["thread_ts"] == alert.ts
        assert thread["messages"][0]["reply_count"] == 1
        unknown = await api_error(client.conversations_replies(channel="C_ALERTS", ts="1.1"))
        assert unknown.response["error"] == "thread_not_found"

    async def test_history_lists_top_level_newest_first(
        self, slack_emulator: SlackEmulator
    ) -> None:
        """conversations.history leaves thread replies out and starts with the newest."""
        client = web_client(slack_emulator)
        first = await client.chat_postMessage(channel="C_ALERTS", text="one")
        await client.chat_postMessage(channel="C_ALERTS", text="r", thread_ts=first["ts"])
        second = await client.chat_postMessage(channel="C_ALERTS", text="two")
        history = await client.conversations_history(channel="C_ALERTS")
        assert [m["ts"] for m in history["messages"]] == [second["ts"], first["ts"]]
        older = await client.conversations_history(channel="C_ALERTS", latest=second["ts"])
        assert [m["ts"] for m in older["messages"]] == [first["ts"]]

    async def test_block_kit_limits_are_enforced(self, slack_emulator: SlackEmulator) -> None:
        """More than 50 blocks, over-long section text and 40,001 characters are refused."""
        client = web_client(slack_emulator)
        divider = {"type": "divider"}
        too_many = await api_error(
            client.chat_postMessage(channel="C_ALERTS", text="x", blocks=[divider] * 51)
        )
        assert too_many.response["error"] == "invalid_blocks"
        assert "[json-pointer:/blocks]" in too_many.response["errors"][0]
        long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "a" * 3001}}
        too_long = await api_error(
            client.chat_postMessage(channel="C_ALERTS", text="x", blocks=[long_section])
        )
        assert too_long.response["errors"] == [
            "must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
        ]
        huge = await api_error(client.chat_postMessage(channel="C_ALERTS", text="a" * 40_001))
        assert huge.response["error"] == "msg_too_long"
        assert slack_emulator.posts() == []

    async def test_reactions_and_ephemerals(self, slack_emulator: SlackEmulator) -> None:
        """reactions.add is recorded once per name; ephemerals stay out of the history."""
        client = web_client(slack_emulator)
        posted = await client.chat_postMessage(channel="C_ALERTS", text="x")
        await client.reactions_add(channel="C_ALERTS", timestamp=posted["ts"], name="eyes")
        again = await api_error(
            client.reactions_add(channel="C_ALERTS", timestamp=posted["ts"], name="eyes")
        )
        assert again.response["error"] == "already_reacted"
        assert [(r.ts, r.name) for r in slack_emulator.reactions()] == [(posted["ts"], "eyes")]
        await client.chat_postEphemeral(channel="C_ALERTS", user="U_ALICE", text="only you")
        assert [(e.user, e.text) for e in slack_emulator.ephemerals()] == [("U_ALICE", "only you")]
        assert len(slack_emulator.history("C_ALERTS")) == 1

    async def test_missing_scope_is_reported(self) -> None:
        """A method whose scope the app lacks fails with missing_scope and the needed scope."""
        async with SlackEmulator(scopes={"chat:write"}) as emulator:
            client = web_client(emulator)
            posted = await client.chat_postMessage(channel="C_ALERTS", text="x")
            error = await api_error(
                client.reactions_add(channel="C_ALERTS", timestamp=posted["ts"], name="eyes")
            )
            assert (error.response["error"], error.response["needed"]) == (
                "missing_scope",
                "reactions:write",
            )

    async def test_form_and_query_parameters(self, slack_emulator: SlackEmulator) -> None:
        """Form bodies (token and JSON blocks inside) and query strings work like JSON bodies."""
        blocks = json.dumps([{"type": "divider"}])
        async with aiohttp.ClientSession() as session:
            form = {"token": slack_emulator.bot_token, "channel": "C_GENERAL", "blocks": blocks}
            async with session.post(slack_emulator.api_url + "chat.postMessage", data=form) as r:
                assert (await r.json())["ok"]
            headers = {"Authorization": f"Bearer {slack_emulator.bot_token}"}
            url = slack_emulator.api_url + "conversations.info?channel=C_GENERAL&team_id=T1"
            async with session.get(url, headers=headers) as r:
                assert (await r.json())["channel"]["name"] == "general"
            async with session.post(slack_emulator.api_url + "no.such", headers=headers) as r:
                assert await r.json() == {"ok": False, "error": "unknown_method"}
        assert slack_emulator.posts("C_GENERAL")[0].blocks == ({"type": "divider"},)
        assert slack_emulator.calls("conversations.info")[0].params["team_id"] == "T1"

    async def test_response_url_posts_are_recorded(self, slack_emulator: SlackEmulator) -> None:
        """A command's response_url records up to 5 posts and refuses the 6th."""
        envelope_id = slack_emulator.push_slash_command("why checkout-svc 30m")
        url = slack_emulator.envelope(envelope_id)["payload"]["response_url"]
        assert url.startswith(slack_emulator.base_url + "/commands/")
        webhook = AsyncWebhookClient(url)
        statuses = [(await webhook.send(text=f"try {n}")).status_code for n in range(6)]
        assert statuses == [200] * 5 + [404]
        posts = slack_emulator.response_posts(envelope_id)
        assert [p.body["text"] for p in posts[:2]] == ["try 0", "try 1"]
        assert [p.accepted for p in posts] == [True] * 5 + [False]


class TestFaults:
    async def test_rate_limit_is_retried(self, slack_emulator: SlackEmulator) -> None:
        """Two queued 429s are retried by AsyncRateLimitErrorRetryHandler, then the post lands."""
        slack_emulator.inject_rate_limit("chat.postMessage", times=2, retry_after=0)
        client = web_client(
            slack_emulator, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
        )
        posted = await client.chat_postMessage(channel="C_ALERTS", text="x")
        assert posted["ok"]
        statuses = [c.http_status for c in slack_emulator.calls("chat.postMessage")]
        assert statuses == [429, 429, 200]

    async def test_rate_limit_carries_retry_after(self, slack_emulator: SlackEmulator) -> None:
        """Without a retry handler the 429 surfaces with Slack's error and Retry-After."""
        slack_emulator.inject_rate_limit("chat.postMessage", retry_after=7)
        error = await api_error(
            web_client(slack_emulator, retry_handlers=[]).chat_postMessage(
                channel="C_ALERTS", text="x"
            )
        )
        assert error.response.status_code == 429
        assert error.response["error"] == "ratelimited"
        assert error.response.headers["Retry-After"] == "7"

    async def test_server_errors_are_retried(self, slack_emulator: SlackEmulator) -> None:
        """A 503 then a 500 are retried by AsyncServerErrorRetryHandler."""
        slack_emulator.inject_server_error("chat.update", status=503)
        slack_emulator.inject_server_error("chat.update", status=500)
        client = web_client(
            slack_emulator,
            retry_handlers=[
                AsyncServerErrorRetryHandler(
                    max_retry_count=2,
                    interval_calculator=FixedValueRetryIntervalCalculator(0.05),
                )
            ],
        )
        posted = await client.chat_postMessage(channel="C_ALERTS", text="x")
        await client.chat_update(channel="C_ALERTS", ts=posted["ts"], text="y")
        statuses = [c.http_status for c in slack_emulator.calls("chat.update")]
        assert statuses == [503, 500, 200]

    async def test_api_error_once(self, slack_emulator: SlackEmulator) -> None:
        """An injected ok:false error answers one call; the next call is served."""
        slack_emulator.inject_error("chat.postMessage", "fatal_error")
        client = web_client(slack_emulator)
        error = await api_error(client.chat_postMessage(channel="C_ALERTS", text="x"))
        assert error.response["error"] == "fatal_error"
        assert (await client.chat_postMessage(channel="C_ALERTS", text="x"))["ok"]


class TestSocketModeClient:
    async def test_hello_push_and_ack(self, slack_emulator: SlackEmulator) -> None:
        """The SDK client gets hello, then a pushed slash command; its ack and payload are kept."""
        seen: list[dict[str, Any]] = []

        async def on_message(_client: Any, message: dict[str, Any], _raw: Any) -> None:
            seen.append(message)

        async def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
            reply = SocketModeResponse(request.envelope_id, payload={"text": "working"})
            await client.send_socket_mode_response(reply)

        client = SocketModeClient(
            app_token=slack_emulator.app_token, web_client=web_client(slack_emulator)
        )
        client.message_listeners.append(on_message)
        client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
        try:
            await client.connect()
            envelope_id = slack_emulator.push_slash_command("why checkout-svc 30m")
            ack = await slack_emulator.wait_for_ack(envelope_id)
        finally:
            await client.close()
        assert seen[0]["type"] == "hello"
        payload = seen[1]["payload"]
        assert (payload["command"], payload["text"], payload["channel_id"]) == (
            "/aisher",
            "why checkout-svc 30m",
            "C_ALERTS",
        )
        assert ack.payload == {"text": "working"}
        assert (ack.attempt, ack.connection) == (0, 1)
        assert ack.latency_s >= 0

    async def test_envelope_pushed_before_connect_waits(
        self, slack_emulator: SlackEmulator
    ) -> None:
        """An envelope pushed while no client is connected is delivered after the next hello."""
        event = slack_emulator.user_message("C_GENERAL", "hi")
        envelope_id = slack_emulator.push_event(event)

        async def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
            await client.send_socket_mode_response(SocketModeResponse(request.envelope_id))

        client = SocketModeClient(
            app_token=slack_emulator.app_token, web_client=web_client(slack_emulator)
        )
        client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
        try:
            await client.connect()
            ack = await slack_emulator.wait_for_ack(envelope_id)
        finally:
            await client.close()
        assert ack.payload is None

    async def test_tickets_open_one_socket(self, slack_emulator: SlackEmulator) -> None:
        """A websocket URL works once and answers pings; opening one needs the xapp- token."""
        refused = await api_error(
            web_client(slack_emulator).apps_connections_open(app_token="xoxb-1")
        )
        assert refused.response["error"] == "invalid_auth"
        opened = await web_client(slack_emulator).apps_connections_open(
            app_token=slack_emulator.app_token
        )
        websocket_base = slack_emulator.base_url.replace("http://", "ws://")
        assert opened["url"].startswith(f"{websocket_base}/link/?ticket=")
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(opened["url"], autoping=False) as socket:
                hello = await socket.receive_json(timeout=5)
                assert hello["type"] == "hello"
                await socket.ping(b"sdk-ping-pong:1")
                pong = await socket.receive(timeout=5)
                assert (pong.type, pong.data) == (aiohttp.WSMsgType.PONG, b"sdk-ping-pong:1")
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await session.ws_connect(opened["url"])


class TestBoltApp:
    async def test_slash_command_round_trip(self, bolt: Bolt) -> None:
        """bolt acks the command, responds to response_url and posts in the channel."""
        emulator = bolt.emulator

        @bolt.app.command("/aisher")
        async def on_command(
            ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], client: AsyncWebClient
        ) -> None:
            await ack(text=f"working on `{command['text']}`")
            await respond(text="queued")
            await client.chat_postMessage(channel=command["channel_id"], text="analysis")

        await bolt.connect()
        envelope_id = emulator.push_slash_command("why checkout-svc 30m")
        ack = await emulator.wait_for_ack(envelope_id)
        assert ack.payload == {"text": "working on `why checkout-svc 30m`"}
        posts = await emulator.wait_for_response_posts(envelope_id)
        assert posts[0].body["text"] == "queued"
        [message] = await emulator.wait_for_posts(1, channel_id="C_ALERTS")
        assert message.text == "analysis"

    async def test_event_redelivery_keeps_ids(self, bolt: Bolt) -> None:
        """A redelivered reaction_added keeps its ids and reaches bolt as x-slack-retry-num."""
        emulator = bolt.emulator
        seen: list[tuple[str, str | None]] = []

        @bolt.app.event("reaction_added")
        async def on_reaction(body: dict[str, Any], request: AsyncBoltRequest) -> None:
            retry = request.headers.get("x-slack-retry-num", [None])[0]
            seen.append((body["event_id"], retry))

        posted = await bolt.app.client.chat_postMessage(channel="C_ALERTS", text="report")
        await bolt.connect()
        event = emulator.reaction_added("C_ALERTS", posted["ts"], "repeat")
        assert event["item_user"] == emulator.identity.bot_user_id
        envelope_id = emulator.push_event(event)
        first = await emulator.wait_for_ack(envelope_id)
        assert emulator.redeliver(envelope_id) == envelope_id
        second = await emulator.wait_for_ack(envelope_id, attempt=1)
        assert (first.attempt, second.attempt) == (0, 1)
        await emulator.wait_for(lambda: len(seen) == 2, what="two reaction deliveries")
        event_id = emulator.envelope(envelope_id)["payload"]["event_id"]
        assert seen == [(event_id, None), (event_id, "1")]

    async def test_foreign_bot_message_gets_threaded_reply(self, bolt: Bolt) -> None:
        """An Alertmanager bot_message reaches bolt; the bot's own post is acked and ignored."""
        emulator = bolt.emulator
        handled: list[str] = []

        @bolt.app.event("message")
        async def on_message(event: dict[str, Any], client: AsyncWebClient) -> None:
            handled.append(event["ts"])
            if event.get("bot_id") == "B_ALERTMANAGER":
                await client.chat_postMessage(
                    channel=event["channel"], thread_ts=event["ts"], text="looking"
                )

        await bolt.connect()
        attachment = {"title": "[FIRING:1] HighErrorRate checkout-svc", "color": "danger"}
        alert = emulator.bot_message("C_ALERTS", bot_id="B_ALERTMANAGER", attachments=[attachment])
        assert (alert["subtype"], alert["attachments"]) == ("bot_message", [attachment])
        await emulator.wait_for_ack(emulator.push_event(alert))
        [reply] = await emulator.wait_for_posts(1)
        assert reply.thread_ts == alert["ts"]
        own = emulator.push_event(emulator.message_event_for(reply))
        await emulator.wait_for_ack(own)
        assert handled == [alert["ts"]]

    async def test_block_actions_reach_bolt(self, bolt: Bolt) -> None:
        """A click on a posted button arrives as block_actions with the message and container."""
        emulator = bolt.emulator
        clicks: list[dict[str, Any]] = []

        @bolt.app.action("rerun")
        async def on_click(ack: AsyncAck, body: dict[str, Any]) -> None:
            await ack()
            clicks.append(body)

        button = {
            "type": "button",
            "action_id": "rerun",
            "text": {"type": "plain_text", "text": "Re-run"},
        }
        blocks = [{"type": "actions", "block_id": "controls", "elements": [button]}]
        posted = await bolt.app.client.chat_postMessage(channel="C_ALERTS", text="r", blocks=blocks)
        await bolt.connect()
        envelope_id = emulator.push_block_actions("C_ALERTS", posted["ts"], "rerun", "abc")
        await emulator.wait_for_ack(envelope_id)
        await emulator.wait_for(lambda: clicks, what="the click")
        body = clicks[0]
        action = body["actions"][0]
        assert (action["action_id"], action["value"], action["block_id"]) == (
            "rerun",
            "abc",
            "controls",
        )
        assert body["container"]["message_ts"] == posted["ts"]
        assert body["message"]["blocks"] == blocks
        assert body["response_url"].startswith(emulator.base_url + "/actions/")

    async def test_echoed_own_posts_are_acked_not_handled(self, bolt: Bolt) -> None:
        """With echo on, the bot's post comes back as a message event bolt acks and drops."""
        emulator = bolt.emulator
        emulator.echo_bot_messages = True
        handled: list[dict[str, Any]] = []

        @bolt.app.event("message")
        async def on_message(event: dict[str, Any]) -> None:
            handled.append(event)

        await bolt.connect()
        posted = await bolt.app.client.chat_postMessage(channel="C_GENERAL", text="report")
        [delivery] = await emulator.wait_for(emulator.deliveries, what="the echo")
        echo = emulator.envelope(delivery.envelope_id)["payload"]["event"]
        assert (echo["ts"], echo["bot_id"], echo["channel_type"]) == (
            posted["ts"],
            emulator.identity.bot_id,
            "channel",
        )
        await emulator.wait_for_ack(delivery.envelope_id)
        assert handled == []

    async def test_unhandled_event_is_not_acked(self, bolt: Bolt) -> None:
        """bolt sends no ack for an event without a listener, and the emulator shows it."""
        await bolt.connect()
        mention = bolt.emulator.app_mention("C_ALERTS", "<@U_AISHER> why checkout-svc 30m")
        envelope_id = bolt.emulator.push_event(mention)
        await bolt.emulator.wait_for(
            lambda: bolt.emulator.deliveries(envelope_id), what="the delivery"
        )
        await bolt.emulator.assert_no_ack(envelope_id, within=0.5)


class TestReconnection:
    @pytest.mark.parametrize("reason", ["refresh_requested", "too_many_websockets"])
    async def test_disconnect_leads_to_reconnect(self, bolt: Bolt, reason: str) -> None:
        """After a disconnect frame the client opens a new socket and acks on it."""
        emulator = bolt.emulator

        @bolt.app.command("/aisher")
        async def on_command(ack: AsyncAck) -> None:
            await ack()

        await bolt.connect()
        assert emulator.disconnect(reason) == 1
        second = await emulator.wait_for_connection(2)
        assert len(emulator.calls("apps.connections.open")) == 2
        envelope_id = emulator.push_slash_command("why checkout-svc 30m")
        ack = await emulator.wait_for_ack(envelope_id)
        assert ack.connection == second.number == 2

    async def test_closed_socket_is_replaced(self, bolt: Bolt) -> None:
        """A websocket closed by the server with a close frame is reopened at once."""
        emulator = bolt.emulator

        @bolt.app.command("/aisher")
        async def on_command(ack: AsyncAck) -> None:
            await ack()

        await bolt.connect()
        assert emulator.close_socket() == 1
        await emulator.wait_for_connection(2)
        ack = await emulator.wait_for_ack(emulator.push_slash_command("why a 5m"))
        assert ack.connection == 2

    async def test_dropped_socket_is_replaced(self, bolt: Bolt) -> None:
        """A socket cut without a close frame is noticed and replaced within a few pings."""
        emulator = bolt.emulator

        @bolt.app.command("/aisher")
        async def on_command(ack: AsyncAck) -> None:
            await ack()

        await bolt.connect(ping_interval=FAST_PING_S)
        emulator.drop_socket()
        await emulator.wait_for_connection(2)
        await emulator.wait_for(
            lambda: not emulator.connections()[0].open, what="the first socket to close"
        )
        ack = await emulator.wait_for_ack(emulator.push_slash_command("why a 5m"))
        assert ack.connection == 2


class TestWaiting:
    async def test_timeout_names_what_was_awaited(self, slack_emulator: SlackEmulator) -> None:
        """A wait that is never satisfied fails with an AssertionError saying what it awaited."""
        with pytest.raises(AssertionError, match="waiting for a post in C_ALERTS"):
            await slack_emulator.wait_for(
                lambda: slack_emulator.posts("C_ALERTS"), timeout=0.1, what="a post in C_ALERTS"
            )

    def test_subprocess_bot_posts_are_seen(self, slack_emulator: SlackEmulator) -> None:
        """A client in another process reaches the emulator, and wait_for_sync sees its post."""
        script = (
            "import os\n"
            "from slack_sdk import WebClient\n"
            "client = WebClient(token=os.environ['SLACK_BOT_TOKEN'],"
            " base_url=os.environ['AISHER_SLACK_API_URL'])\n"
            "client.chat_postMessage(channel='C_ALERTS', text='from a subprocess')\n"
        )
        environment = dict(
            os.environ,
            SLACK_BOT_TOKEN=slack_emulator.bot_token,
            SLACK_APP_TOKEN=slack_emulator.app_token,
            AISHER_SLACK_API_URL=slack_emulator.api_url,
        )
        subprocess.run([sys.executable, "-c", script], env=environment, check=True, timeout=60)
        posts = slack_emulator.wait_for_sync(
            lambda: slack_emulator.posts("C_ALERTS"), timeout=5, what="the subprocess's post"
        )
        assert posts[0].text == "from a subprocess"


class TestMessageRules:
    def test_header_must_be_short_plain_text(self) -> None:
        """A header in mrkdwn or over 150 characters is invalid_blocks."""
        header = {"type": "header", "text": {"type": "mrkdwn", "text": "h" * 151}}
        rejection = check_message("x", [header], None)
        assert rejection is not None
        assert rejection.errors == (
            "must be a valid enum value [json-pointer:/blocks/0/text/type]",
            "must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        )

    def test_section_fields_are_limited(self) -> None:
        """Eleven fields, or one field over 2,000 characters, are refused."""
        field_ = {"type": "mrkdwn", "text": "f"}
        eleven = {"type": "section", "fields": [field_] * 11}
        long_field = {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}
        assert check_message("x", [eleven], None) is not None
        rejection = check_message("x", [long_field], None)
        assert rejection is not None
        assert rejection.errors[0].endswith("[json-pointer:/blocks/0/fields/0/text]")

    def test_cumulative_block_text(self) -> None:
        """Many small sections past the block text limit are msg_blocks_too_long."""
        sections = [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * 2900}}] * 5
        rejection = check_message("x", sections, None)
        assert rejection is not None
        assert rejection.error == "msg_blocks_too_long"
        assert check_message("x", sections, None, block_text_limit=None) is None

    def test_empty_message_and_bad_blocks(self) -> None:
        """No text, blocks or attachments is no_text; blocks without a type are malformed."""
        assert check_message(None, None, None) == check_message("", [], None)
        empty = check_message(None, None, None)
        assert empty is not None
        assert empty.error == "no_text"
        malformed = check_message("x", [{"text": "no type"}], None)
        assert malformed is not None
        assert malformed.error == "invalid_blocks_format"
