"""Socket Mode envelopes and their payloads, in the shape Slack sends them (pure functions).

An envelope is `{"envelope_id", "type", "accepts_response_payload", "payload"}`, plus
`retry_attempt`/`retry_reason` when Slack redelivers an event it got no ack for. slack_sdk's
`SocketModeRequest.from_dict` needs `type`, `envelope_id` and `payload`; bolt maps the retry
fields to the `x-slack-retry-num`/`x-slack-retry-reason` headers.
"""

from __future__ import annotations

import uuid
from typing import Any

from aisher.testing.slack_emulator.records import Channel, Identity, JsonObject, Message

SLASH_COMMANDS = "slash_commands"
EVENTS_API = "events_api"
INTERACTIVE = "interactive"
VERIFICATION_TOKEN = "emulator-verification-token"  # noqa: S105 - deprecated field, never checked


def envelope(
    kind: str,
    payload: JsonObject,
    *,
    envelope_id: str | None = None,
    retry_attempt: int | None = None,
    retry_reason: str | None = None,
) -> JsonObject:
    """Wrap a payload; only slash commands and interactions accept a response payload."""
    body: JsonObject = {
        "envelope_id": envelope_id or str(uuid.uuid4()),
        "type": kind,
        "accepts_response_payload": kind != EVENTS_API,
        "payload": payload,
    }
    if retry_attempt is not None:
        body["retry_attempt"] = retry_attempt
        body["retry_reason"] = retry_reason or "timeout"
    return body


def slash_command(
    identity: Identity,
    channel: Channel,
    *,
    command: str,
    text: str,
    user_id: str,
    user_name: str,
    response_url: str,
    trigger_id: str,
) -> JsonObject:
    """The payload of a `slash_commands` envelope (what bolt hands listeners as `command`)."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": identity.team_id,
        "team_domain": identity.team_domain,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": identity.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def event_callback(
    identity: Identity, event: JsonObject, *, event_id: str, event_time: int
) -> JsonObject:
    """The payload of an `events_api` envelope around one event."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": identity.team_id,
        "enterprise_id": identity.enterprise_id,
        "api_app_id": identity.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": identity.enterprise_id,
                "team_id": identity.team_id,
                "user_id": identity.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-emulator-{event_id}",
    }


def message_event(message: Message, channel: Channel, *, team_id: str) -> JsonObject:
    """A `message` event for a stored message (a person's, a bot's or a thread reply)."""
    event = message.to_slack()
    event.update(
        {
            "channel": message.channel,
            "event_ts": message.ts,
            "channel_type": channel.channel_type,
            "team": team_id,
        }
    )
    if message.bot_id is not None:
        event["bot_profile"] = {
            "id": message.bot_id,
            "name": message.username or message.bot_id,
            "team_id": team_id,
        }
    return event


def app_mention_event(message: Message, *, team_id: str) -> JsonObject:
    """An `app_mention` event: the message that @-mentions the bot."""
    event: JsonObject = {
        "type": "app_mention",
        "user": message.user,
        "text": message.text,
        "ts": message.ts,
        "channel": message.channel,
        "event_ts": message.ts,
        "team": team_id,
    }
    if message.thread_ts is not None:
        event["thread_ts"] = message.thread_ts
    return event


def reaction_added_event(
    *, user: str, reaction: str, channel: str, ts: str, item_user: str | None, event_ts: str
) -> JsonObject:
    """A `reaction_added` event; messages posted by incoming webhooks have no `item_user`."""
    event: JsonObject = {
        "type": "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": event_ts,
    }
    if item_user is not None:
        event["item_user"] = item_user
    return event


def block_actions(
    identity: Identity,
    channel: Channel,
    message: Message,
    *,
    actions: list[JsonObject],
    user_id: str,
    user_name: str,
    response_url: str,
    trigger_id: str,
) -> JsonObject:
    """The payload of an `interactive` envelope for button clicks on `message`."""
    return {
        "type": "block_actions",
        "user": {
            "id": user_id,
            "username": user_name,
            "name": user_name,
            "team_id": identity.team_id,
        },
        "api_app_id": identity.app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": channel.id,
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": {"id": identity.team_id, "domain": identity.team_domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel.id, "name": channel.name},
        "message": message.to_slack(),
        "state": {"values": {}},
        "response_url": response_url,
        "actions": actions,
    }


def button_action(action_id: str, value: str, *, block_id: str, action_ts: str) -> JsonObject:
    """One clicked button in a `block_actions` payload's `actions`."""
    return {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
        "action_ts": action_ts,
    }


def hello(identity: Identity, num_connections: int) -> JsonObject:
    """The first frame on every new websocket."""
    return {
        "type": "hello",
        "num_connections": num_connections,
        "debug_info": {
            "host": "applink-emulator",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": identity.app_id},
    }


def disconnect(identity: Identity, reason: str, num_connections: int) -> JsonObject:
    """Slack asks the client to reconnect (`refresh_requested`, `too_many_websockets`, …)."""
    return {
        "type": "disconnect",
        "reason": reason,
        "num_connections": num_connections,
        "debug_info": {"host": "applink-emulator"},
        "connection_info": {"app_id": identity.app_id},
    }


def find_block_id(message: Message, action_id: str) -> str:
    """The id of the block holding the element `action_id`, as Slack reports it on a click."""
    for index, block in enumerate(message.blocks):
        elements: Any = block.get("elements") or []
        accessory = block.get("accessory")
        candidates = [*elements, accessory] if isinstance(accessory, dict) else list(elements)
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id") or f"emulator-block-{index}")
    return "emulator-block"
