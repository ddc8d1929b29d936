"""Listeners for the events the manifest subscribes to, besides `app_mention` (see app.py).

message           Alertmanager's posts (bot ids in AISHER_ALERTMANAGER_BOT_IDS) get an
                  analysis in their thread; every other message is acked and left alone
reaction_added    the re-run reaction re-runs what the message shows; +1 / -1 vote on it
reaction_removed  taking a +1 / -1 back withdraws the vote
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from aisher.alerts.slack_message import parse_slack_alert
from aisher.slack.parts import BotParts
from aisher.slack.votes import reaction_vote
from aisher.state.reports import MessageRef

log = logging.getLogger(__name__)

# Edits, deletions and the like describe an existing message; they are no new alert.
_CHANGES = frozenset({"message_changed", "message_deleted", "message_replied", "channel_join"})


def register_events(app: AsyncApp, parts: BotParts) -> None:
    @app.event("message")
    async def on_message(event: dict[str, Any]) -> None:
        if not is_alertmanager_post(event, parts.alertmanager_bot_ids):
            return
        alert = parse_slack_alert(event, service_labels=parts.service_labels)
        if alert is None:
            log.info("a message from Alertmanager's bot did not read as an alert")
            return
        message = MessageRef(event["channel"], event["ts"])
        parts.metrics.count_alert(alert.status)
        parts.tasks.spawn(
            parts.conversations.on_alert(message, alert), name=f"alert {alert.alertname}"
        )

    @app.event("reaction_added")
    async def on_reaction(event: dict[str, Any], client: AsyncWebClient) -> None:
        message = _reacted_message(event)
        if message is None:
            return
        reaction, user = str(event.get("reaction") or ""), str(event.get("user") or "")
        if reaction.split("::", 1)[0] == parts.rerun_reaction:

            async def rerun(message: MessageRef) -> None:
                thread_ts = await thread_root(client, message)
                await parts.conversations.rerun(
                    message, thread_ts=thread_ts, trigger="reaction", user=user or None
                )

            parts.tasks.spawn(rerun(message), name=f"re-run {message.ts}")
            return
        vote = reaction_vote(reaction)
        if vote is not None and user:
            parts.tasks.spawn(parts.votes.on_message(message, vote, user), name="vote")

    @app.event("reaction_removed")
    async def on_reaction_removed(event: dict[str, Any]) -> None:
        message = _reacted_message(event)
        user = str(event.get("user") or "")
        if message is None or not user or reaction_vote(str(event.get("reaction") or "")) is None:
            return
        parts.tasks.spawn(parts.votes.withdraw(message, user), name="withdraw vote")


def is_alertmanager_post(event: dict[str, Any], bot_ids: frozenset[str]) -> bool:
    """A new top-level message posted by one of Alertmanager's bots (by bot id or app id)."""
    if not bot_ids or event.get("subtype") in _CHANGES:
        return False
    thread_ts = event.get("thread_ts")
    if thread_ts is not None and thread_ts != event.get("ts"):
        return False  # a reply in a thread, perhaps a person quoting the alert
    profile = event.get("bot_profile") or {}
    senders = {event.get("bot_id"), event.get("app_id"), profile.get("app_id")}
    return bool(senders & bot_ids)


async def thread_root(client: AsyncWebClient, message: MessageRef) -> str:
    """The ts of the thread `message` is in (its own ts when it starts or has no thread).

    Slack asks for replies to go under the parent's ts, and a reaction names only the message
    it is on, so the parent is looked up.
    """
    try:
        found = await client.conversations_replies(
            channel=message.channel, ts=message.ts, limit=1, inclusive=True
        )
    except SlackApiError as exc:
        log.info("could not look up the thread of %s: %s", message.ts, exc)
        return message.ts
    messages = found.get("messages") or []
    if not messages:
        return message.ts
    return str(messages[0].get("thread_ts") or messages[0].get("ts") or message.ts)


def _reacted_message(event: dict[str, Any]) -> MessageRef | None:
    item = event.get("item") or {}
    if item.get("type") != "message" or not item.get("channel") or not item.get("ts"):
        return None  # reactions on files and file comments
    return MessageRef(str(item["channel"]), str(item["ts"]))
