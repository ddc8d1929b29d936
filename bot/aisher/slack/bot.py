"""The Slack bot of one process: the web client, the flows, the Bolt app and its websocket.

`open_slack_bot` builds everything from the settings and the process's shared parts, connects
in Socket Mode and, on exit, stops taking events, gives running analyses a grace period and
closes the connection. The socket handler is created inside the running event loop, as
slack_sdk's Socket Mode client needs one at construction.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from aisher.config import Settings
from aisher.errors import ConfigError
from aisher.redis_link import RedisLink
from aisher.runtime import Runtime
from aisher.slack.alert_sink import SlackAlertSink
from aisher.slack.app import build_app
from aisher.slack.background import BackgroundTasks
from aisher.slack.conversation import Conversations, ConversationSettings
from aisher.slack.parts import BotParts
from aisher.slack.poster import POST_INTERVAL_S, ChannelPacer, SlackPoster, build_web_client
from aisher.slack.publisher import ReportPublisher, Shown
from aisher.slack.status import StatusProbe
from aisher.slack.votes import Votes
from aisher.state.dedup import Deduplicator
from aisher.state.feedback import FeedbackStore
from aisher.state.reports import ReportStore
from aisher.window import parse_duration

log = logging.getLogger(__name__)

# slack_sdk pings every this many seconds; a dropped connection is noticed within about one
# interval (and a silent one within four), then replaced.
SOCKET_PING_INTERVAL_S = 5.0


@dataclass(frozen=True, slots=True)
class SlackBot:
    """The connected bot; `sink` shows alert notifications in Slack."""

    app: AsyncApp
    handler: AsyncSocketModeHandler
    parts: BotParts
    sink: SlackAlertSink


async def _connect(handler: AsyncSocketModeHandler, api_url: str) -> None:
    """Check both tokens, then open the websocket; a refusal is a `ConfigError` naming the token.

    slack_sdk retries a failed connection forever, which is right once connected (Slack may be
    away for a while) but hides a wrong token at start; so the first websocket URL is asked
    for here, once, and handed to the client.
    """
    try:
        await handler.app.client.auth_test()
    except SlackApiError as exc:
        raise ConfigError(f"Slack refused SLACK_BOT_TOKEN ({_error(exc)}) at {api_url}") from exc
    except aiohttp.ClientError as exc:
        raise ConfigError(f"cannot reach Slack at {api_url}: {exc}") from exc
    try:
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
    except SlackApiError as exc:
        raise ConfigError(
            f"Slack refused to open a Socket Mode connection with SLACK_APP_TOKEN ({_error(exc)})"
        ) from exc
    await handler.connect_async()  # type: ignore[no-untyped-call]  # unannotated in bolt


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error") if exc.response is not None else exc)


def slack_tokens(settings: Settings) -> tuple[str, str] | None:
    """The bot and app tokens, or None when either is missing (Slack stays off)."""
    bot, app = settings.slack.bot_token, settings.slack.app_token
    if bot is None or app is None:
        return None
    bot_token, app_token = bot.get_secret_value(), app.get_secret_value()
    return (bot_token, app_token) if bot_token and app_token else None


@asynccontextmanager
async def open_slack_bot(
    settings: Settings,
    runtime: Runtime,
    *,
    tokens: tuple[str, str],
    link: RedisLink,
    dedup: Deduplicator,
    reports: ReportStore[Shown],
    ping_interval_s: float = SOCKET_PING_INTERVAL_S,
    post_interval_s: float = POST_INTERVAL_S,
    grace_s: float | None = None,
) -> AsyncIterator[SlackBot]:
    """The bot, connected to Slack (or to `AISHER_SLACK_API_URL`) until the block exits."""
    bot_token, app_token = tokens
    client = build_web_client(bot_token, settings.slack.api_url)
    metrics = runtime.metrics
    poster = SlackPoster(client, pacer=ChannelPacer(post_interval_s), metrics=metrics)
    publisher = ReportPublisher(poster, reports, signoz_url=settings.signoz_url, metrics=metrics)
    tenant = settings.default_tenant
    conversations = Conversations(
        runtime.engine,
        publisher,
        ConversationSettings(
            tenant=tenant,
            retention_days=settings.limits.retention_days,
            alert_window=parse_duration(settings.alerts.default_window),
            service_labels=settings.alerts.service_labels,
        ),
    )
    tasks = BackgroundTasks()
    parts = BotParts(
        conversations=conversations,
        votes=Votes(reports, FeedbackStore(link), metrics=metrics),
        status=StatusProbe(
            runtime.clickhouse,
            link,
            llm_model=runtime.llm_model,
            cache=runtime.answer_cache,
            budget=runtime.budget_ledger,
            daily_budget_usd=settings.budget.limit_for(tenant),
            tenant=tenant,
        ),
        dedup=dedup,
        tasks=tasks,
        rerun_reaction=settings.slack.rerun_reaction.strip(":"),
        alertmanager_bot_ids=frozenset(settings.alerts.alertmanager_bot_ids),
        service_labels=settings.alerts.service_labels,
        metrics=metrics,
    )
    app = build_app(client, parts)
    handler = AsyncSocketModeHandler(
        app, app_token=app_token, web_client=client, ping_interval=ping_interval_s
    )
    try:
        await _connect(handler, settings.slack.api_url)
    except BaseException:
        await handler.close_async()  # type: ignore[no-untyped-call]
        raise
    try:
        yield SlackBot(
            app, handler, parts, SlackAlertSink(poster, publisher, runtime.engine, tenant=tenant)
        )
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await tasks.close(settings.ops.shutdown_grace_s if grace_s is None else grace_s)
