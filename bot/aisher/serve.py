"""`aisher serve` as one asyncio process: the HTTP server, the alert workers and the Slack bot.

    HTTP      POST /webhooks/alertmanager queues a job and answers at once
    workers   take queued alert jobs, `AISHER_ALERT_WORKERS` at once and one alert group's in
              turn: card, analysis in its thread, updates
    Slack     Socket Mode: /aisher, mentions, Alertmanager's posts, reactions, buttons

Without Slack tokens (or with `--no-slack`) the HTTP side runs alone and the workers only log
the alerts they take, so the queue never fills up. Shared state (dedup keys, reports, the alert
thread map) lives in Redis when `AISHER_REDIS_URL` is set, else in this process.

The HTTP server also serves `/metrics`, `/healthz` and `/readyz`. Leaving `open_service` drains
first (see `aisher.ops.shutdown`): readiness fails and the webhook answers 503, the Slack socket
closes, analyses in flight and queued alerts get `AISHER_SHUTDOWN_GRACE_S` to finish; then
everything closes in reverse order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from functools import partial

from aisher.alerts.payload import AlertNotification
from aisher.alerts.processor import (
    ALERT_JOB_KIND,
    AlertProcessor,
    ProcessorSettings,
    alert_order_key,
)
from aisher.alerts.target import TargetSettings
from aisher.config import Settings
from aisher.ops.audit import AuditLog
from aisher.ops.logging import log_context
from aisher.ops.metrics import AisherMetrics
from aisher.ops.preflight import log_checks
from aisher.ops.shutdown import drain
from aisher.redis_link import RedisLink
from aisher.runtime import Runtime, open_runtime
from aisher.slack.bot import SOCKET_PING_INTERVAL_S, SlackBot, open_slack_bot, slack_tokens
from aisher.slack.poster import POST_INTERVAL_S
from aisher.slack.publisher import shown_codec
from aisher.state.alert_threads import AlertThreads
from aisher.state.dedup import Deduplicator
from aisher.state.jobs import Job, JobHandler, LocalJobQueue, consume
from aisher.state.reports import ReportStore
from aisher.web.alertmanager import PATH as WEBHOOK_PATH
from aisher.web.alertmanager import AlertmanagerWebhook, install_alertmanager_webhook
from aisher.web.api import install_rest_api, rest_api_for
from aisher.web.health import Probe, Readiness, install_health
from aisher.web.metrics import MetricsEndpoint, install_metrics
from aisher.web.server import WebServer, create_app

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Service:
    """A running `serve`: where it listens, its bot if Slack is on, and what it said at start."""

    web: WebServer
    queue: LocalJobQueue
    bot: SlackBot | None
    readiness: Readiness
    notes: list[str] = field(default_factory=list)


@asynccontextmanager
async def open_service(
    settings: Settings,
    *,
    slack: bool = True,
    ping_interval_s: float = SOCKET_PING_INTERVAL_S,
    post_interval_s: float = POST_INTERVAL_S,
) -> AsyncIterator[Service]:
    """Start everything `serve` runs; on exit stop taking work, then close in reverse order.

    `ping_interval_s` and `post_interval_s` (Socket Mode keep-alive, pace of posts per channel)
    are for tests; Slack's own limits set the defaults.
    """
    async with AsyncExitStack() as stack:
        await log_checks(settings, slack=slack)  # what `aisher check` says, in the log
        audit = AuditLog.open(settings.ops.audit_log)
        stack.callback(audit.close)
        runtime = await stack.enter_async_context(open_runtime(settings, audit=audit))
        link = RedisLink(settings.cache.redis_url)
        stack.push_async_callback(link.close)
        dedup = Deduplicator(link)
        queue = LocalJobQueue()
        notes: list[str] = []
        tokens = slack_tokens(settings) if slack else None
        bot: SlackBot | None = None
        if tokens is not None:
            bot = await stack.enter_async_context(
                open_slack_bot(
                    settings,
                    runtime,
                    tokens=tokens,
                    link=link,
                    dedup=dedup,
                    reports=ReportStore(link, shown_codec()),
                    ping_interval_s=ping_interval_s,
                    post_interval_s=post_interval_s,
                )
            )
            notes.append(f"Slack: connected in Socket Mode through {settings.slack.api_url}")
        elif slack:
            notes.append("Slack: off, SLACK_BOT_TOKEN and SLACK_APP_TOKEN are not both set")
        else:
            notes.append("Slack: off (--no-slack)")
        handle, about = _alert_handler(settings, bot, link)
        notes.append(about)
        worker = asyncio.create_task(
            consume(
                queue,
                _with_alert_id(handle),
                workers=settings.alerts.workers,
                order_key=alert_order_key,
            ),
            name="alert workers",
        )
        stack.push_async_callback(_stop, worker)
        readiness = Readiness(await _probes(settings, runtime, bot, stack))
        metrics = runtime.metrics
        web = WebServer(
            create_app(
                partial(install_health, readiness=readiness, audit=audit),
                partial(
                    install_metrics,
                    endpoint=MetricsEndpoint(
                        metrics.registry, refresh=(partial(_read_depth, queue, metrics),)
                    ),
                ),
                partial(
                    install_alertmanager_webhook,
                    webhook=_webhook(settings, queue, dedup, metrics, audit),
                ),
                partial(install_rest_api, api=rest_api_for(settings, runtime, link, audit=audit)),
            ),
            host=settings.http.host,
            port=settings.http.port,
        )
        await web.start()
        stack.push_async_callback(web.stop)
        notes.insert(0, f"HTTP: listening on {settings.http.host}:{web.port}")
        yield Service(web=web, queue=queue, bot=bot, readiness=readiness, notes=notes)
        await _drain(readiness, bot, queue, worker, settings.ops.shutdown_grace_s)


async def _drain(
    readiness: Readiness,
    bot: SlackBot | None,
    queue: LocalJobQueue,
    worker: asyncio.Task[None],
    grace_s: float,
) -> None:
    """Stop taking work and let what was accepted finish (up to `grace_s`), then cancel the
    rest: the Slack tasks still running and the worker with the jobs it did not reach."""
    stop_intake = [bot.handler.close_async] if bot is not None else []
    in_flight = [queue.join, *([bot.parts.tasks.idle] if bot is not None else [])]
    finished = await drain(readiness, stop_intake=stop_intake, in_flight=in_flight, grace_s=grace_s)
    if bot is not None:
        await bot.parts.tasks.close(0)
    await _stop(worker)
    if not finished:
        log.warning("%d alert jobs were not processed before shutdown", await queue.depth())


async def _probes(
    settings: Settings, runtime: Runtime, bot: SlackBot | None, stack: AsyncExitStack
) -> dict[str, Probe]:
    """What /readyz asks: ClickHouse always, Redis when configured, the socket when Slack is on."""
    probes: dict[str, Probe] = {"clickhouse": runtime.clickhouse.ping}
    if settings.cache.redis_url is not None:
        # A link of its own, without the cool-down: readiness must see Redis return at once.
        redis = RedisLink(settings.cache.redis_url, retry_after_s=0.0)
        stack.push_async_callback(redis.close)
        probes["redis"] = partial(_ping_redis, redis)
    if bot is not None:
        probes["slack"] = bot.handler.client.is_connected
    return probes


async def _ping_redis(link: RedisLink) -> bool:
    return bool(await link.call(lambda client: client.ping()))


async def _read_depth(queue: LocalJobQueue, metrics: AisherMetrics) -> None:
    metrics.queue_depth.set(await queue.depth())


def _with_alert_id(handle: JobHandler) -> JobHandler:
    """`handle` with the job's id on every line logged (and audited) while it runs."""

    async def handle_with_id(job: Job) -> object:
        with log_context(alert_id=job.id):
            return await handle(job)

    return handle_with_id


def _webhook(
    settings: Settings,
    queue: LocalJobQueue,
    dedup: Deduplicator,
    metrics: AisherMetrics,
    audit: AuditLog,
) -> AlertmanagerWebhook:
    token = settings.http.webhook_token
    return AlertmanagerWebhook(
        token=token.get_secret_value() if token is not None else None,
        queue=queue,
        max_body_bytes=settings.http.max_body_bytes,
        dedup=dedup,
        metrics=metrics,
        audit=audit,
    )


def _alert_handler(
    settings: Settings, bot: SlackBot | None, link: RedisLink
) -> tuple[JobHandler, str]:
    """What the worker does with an alert job, and the start-up line saying so."""
    webhook = (
        f"POST {WEBHOOK_PATH}"
        if settings.http.webhook_token is not None
        else f"{WEBHOOK_PATH} off (AISHER_WEBHOOK_TOKEN is not set)"
    )
    channel = settings.alerts.channel
    if bot is None or channel is None:
        why = "Slack is off" if bot is None else "AISHER_ALERT_CHANNEL is not set"
        return _log_alert, f"Alerts: {webhook}; logged only, {why}"
    processor = AlertProcessor(
        AlertThreads(link),
        bot.sink,
        ProcessorSettings(
            channel=channel,
            targets=TargetSettings.from_settings(settings.alerts),
        ),
    )
    return processor.handle_job, f"Alerts: {webhook}; cards in {channel}"


async def _log_alert(job: Job) -> None:
    if job.kind != ALERT_JOB_KIND:
        log.warning("ignoring a job of kind %r", job.kind)
        return
    notification = AlertNotification.model_validate(job.payload)
    log.warning(
        "alert %s (%s) received but not posted: Slack or AISHER_ALERT_CHANNEL is not set",
        notification.common_labels.get("alertname", notification.group_key),
        notification.status,
    )


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
