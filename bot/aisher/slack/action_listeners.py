"""Listeners for the buttons on Aisher's messages.

aisher_rerun           analyse again without the cache; the answer goes into the thread
aisher_feedback_up     "Helpful"
aisher_feedback_down   "Not helpful"
aisher_open_*          link buttons (SigNoz, Alertmanager, the alert's source): Slack
                       opens the link itself but still sends the click, which needs an ack
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from aisher.slack.messages import REPORT_GONE_TEXT, feedback_thanks_text
from aisher.slack.parts import BotParts
from aisher.slack.report_blocks import FEEDBACK_DOWN_ACTION, FEEDBACK_UP_ACTION, RERUN_ACTION
from aisher.state.feedback import Vote
from aisher.state.reports import MessageRef

LINK_ACTIONS = re.compile(r"^aisher_open_")


def register_actions(app: AsyncApp, parts: BotParts) -> None:
    @app.action(RERUN_ACTION)
    async def on_rerun(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        message = _clicked_message(body)
        report_id = _value(body)
        if message is None or not report_id:
            return
        thread_ts = str(body.get("message", {}).get("thread_ts") or message.ts)
        user = str(body.get("user", {}).get("id") or "") or None

        async def rerun() -> None:
            fresh = await parts.conversations.rerun(
                message, thread_ts=thread_ts, report_id=report_id, trigger="button", user=user
            )
            if fresh is None:
                await respond(
                    text=REPORT_GONE_TEXT, response_type="ephemeral", replace_original=False
                )

        parts.tasks.spawn(rerun(), name=f"re-run {report_id}")

    async def vote(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, choice: Vote
    ) -> None:
        await ack()
        report_id, user = _value(body), str(body.get("user", {}).get("id") or "")
        if not report_id or not user:
            return

        async def record() -> None:
            counts = await parts.votes.on_report(report_id, choice, user)
            await respond(
                text=feedback_thanks_text(choice, counts),
                response_type="ephemeral",
                replace_original=False,
            )

        parts.tasks.spawn(record(), name=f"vote {report_id}")

    @app.action(FEEDBACK_UP_ACTION)
    async def on_helpful(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await vote(ack, body, respond, Vote.UP)

    @app.action(FEEDBACK_DOWN_ACTION)
    async def on_not_helpful(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await vote(ack, body, respond, Vote.DOWN)

    @app.action(LINK_ACTIONS)
    async def on_link(ack: AsyncAck) -> None:
        await ack()


def _clicked_message(body: dict[str, Any]) -> MessageRef | None:
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return MessageRef(str(channel), str(ts)) if channel and ts else None


def _value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")
