"""The Bolt app: `/aisher` and @-mentions here, events and buttons in their own modules.

Every listener acks at once and hands anything slow (an analysis, a Web API call) to
`BackgroundTasks`, so an ack never waits behind it. Slack redelivers what it thinks was not
acked (same event id or trigger id, `retry_attempt` set): the first middleware lets each
delivery through once across replicas and acks repeats without running them again. Every
event the manifest subscribes to has a listener, because Socket Mode does not ack an event
nobody listens to and Slack would keep redelivering it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from aisher.errors import InputError
from aisher.slack.action_listeners import register_actions
from aisher.slack.commands import HelpCommand, StatusCommand, WhyCommand, parse_command
from aisher.slack.conversation import Notify, notice
from aisher.slack.event_listeners import register_events
from aisher.slack.failures import describe_failure
from aisher.slack.limits import SlackMessage
from aisher.slack.messages import (
    STATUS_CHECKING_TEXT,
    analysing_text,
    analysing_trace_text,
    render_help,
    render_status,
)
from aisher.slack.parts import BotParts
from aisher.slack.status import StatusProbe
from aisher.state.dedup import Deduplicator

log = logging.getLogger(__name__)

COMMAND = "/aisher"
# Slack retries an unacked event a few times within minutes; a key outlives those retries.
DELIVERY_TTL_S = 2 * 3600
_MENTION = re.compile(r"<@[^<>|]+(?:\|[^<>]*)?>")


def build_app(client: AsyncWebClient, parts: BotParts) -> AsyncApp:
    """The Bolt app on `client` (its token and base URL) with every listener registered."""
    app = AsyncApp(
        client=client,
        logger=_bolt_logger(),
        # Socket Mode delivers over the app's own websocket: there is no signature to check.
        request_verification_enabled=False,
        # Listeners only start background work and return, so acking after them costs nothing
        # and means that an ack is sent only once the work is in hand.
        process_before_response=True,
    )
    app.middleware(_once_per_delivery(parts.dedup))
    app.error(_log_error)
    register_commands(app, parts)
    register_events(app, parts)
    register_actions(app, parts)
    return app


def register_commands(app: AsyncApp, parts: BotParts) -> None:
    """`/aisher …` and `@aisher …` (answered in the mention's thread)."""

    @app.command(COMMAND)
    async def on_command(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        async def notify(message: SlackMessage) -> None:
            await respond(
                text=message.text,
                blocks=message.blocks or None,
                response_type="ephemeral",
                replace_original=False,
            )

        try:
            parsed = parse_command(str(command.get("text") or ""))
        except InputError as exc:
            await ack(text=describe_failure(exc))
            return
        if isinstance(parsed, HelpCommand):
            help_message = render_help()
            await ack(text=help_message.text, blocks=help_message.blocks)
            return
        if isinstance(parsed, StatusCommand):
            await ack(text=STATUS_CHECKING_TEXT)
            parts.tasks.spawn(_report_status(parts.status, notify), name="status")
            return
        if isinstance(parsed, WhyCommand):
            await ack(text=analysing_text(parsed.service, parsed.window))
        else:
            await ack(text=analysing_trace_text(parsed.trace_id))
        work = parts.conversations.answer(
            parsed, channel=command["channel_id"], notify=notify, user=command.get("user_id")
        )
        parts.tasks.spawn(work, name=f"command {parsed.text}")

    @app.event("app_mention")
    async def on_mention(event: dict[str, Any], client: AsyncWebClient) -> None:
        channel, user = event["channel"], event.get("user")
        thread = event.get("thread_ts") or event["ts"]

        async def notify(message: SlackMessage) -> None:
            if user is None:  # a mention always has its author; without one, nobody to tell
                return
            await client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=message.text,
                blocks=message.blocks,
                thread_ts=thread,
            )

        text = _MENTION.sub(" ", str(event.get("text") or ""))
        try:
            parsed = parse_command(text)
        except InputError as exc:
            parts.tasks.spawn(notify(notice(describe_failure(exc))), name="mention error")
            return
        if isinstance(parsed, HelpCommand):
            parts.tasks.spawn(notify(render_help()), name="mention help")
        elif isinstance(parsed, StatusCommand):
            parts.tasks.spawn(_report_status(parts.status, notify), name="status")
        else:
            work = parts.conversations.answer(
                parsed, channel=channel, notify=notify, thread_ts=thread, user=user
            )
            parts.tasks.spawn(work, name=f"mention {parsed.text}")


def _bolt_logger() -> logging.Logger:
    """Bolt's logger, without its warning that SLACK_BOT_TOKEN is unused: the client it is given
    was built from that very token (with the API URL and retry handlers Aisher needs)."""
    logger = logging.getLogger("aisher.slack.bolt")
    unused = warning_client_prioritized_and_token_skipped()
    if not any(isinstance(item, _DropMessage) for item in logger.filters):
        logger.addFilter(_DropMessage(unused))
    return logger


class _DropMessage(logging.Filter):
    def __init__(self, message: str) -> None:
        super().__init__()
        self._message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self._message


async def _report_status(status: StatusProbe, notify: Notify) -> None:
    await notify(render_status(await status.facts()))


def delivery_key(body: dict[str, Any]) -> str | None:
    """What identifies one delivery across Slack's retries: the event id for events, the
    trigger id for commands and clicks."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"slack:event:{body['event_id']}"
    if body.get("trigger_id"):
        return f"slack:trigger:{body['trigger_id']}"
    return None


Middleware = Callable[..., Awaitable[BoltResponse | None]]


def _once_per_delivery(dedup: Deduplicator) -> Middleware:
    async def once(
        body: dict[str, Any], ack: AsyncAck, next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        key = delivery_key(body)
        if key is None or await dedup.first_time(key, DELIVERY_TTL_S):
            await next()
            return None
        log.info("dropping a repeated Slack delivery (%s)", key)
        return await ack()

    return once


async def _log_error(error: Exception, body: dict[str, Any]) -> None:
    log.error("Slack listener failed on a %s request", body.get("type"), exc_info=error)
