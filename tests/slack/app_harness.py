"""The whole `serve` process in the test's event loop, against the Slack emulator and chDB.

`serving` seeds the hand-made incident (payment 2.4.0 throws KeyError on POST /charge) into the
test's fresh chDB databases, starts the Slack emulator and `open_service` with settings pointing
at both, and yields a `Harness` to drive: push envelopes to the emulator, post webhooks to the
HTTP server, then wait for what the bot posts.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from aisher.config import (
    AlertSettings,
    CacheSettings,
    ClickHouseSettings,
    HttpSettings,
    Settings,
    SlackSettings,
)
from aisher.serve import Service, open_service
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import ALERTS, Message, SlackEmulator
from tests.support.databases import seed_recent_incident
from tests.support.incident import Incident

WEBHOOK_TOKEN = "webhook-secret-token"
ALERTMANAGER_BOT = "B_ALERTMANAGER"
ROOT_SERVICE = "payment"
# An analysis plus a few paced posts; generous, since the machine is shared.
WAIT_S = 30.0


@dataclass
class Harness:
    slack: SlackEmulator
    service: Service
    settings: Settings
    incident: Incident

    @property
    def webhook_url(self) -> str:
        return f"{self.service.web.url}/webhooks/alertmanager"

    async def post_webhook(self, payload: Mapping[str, Any], token: str = WEBHOOK_TOKEN) -> int:
        """POST an Alertmanager notification; the HTTP status."""
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.webhook_url, json=payload, headers=headers) as response,
        ):
            return response.status

    async def wait_for_thread(
        self,
        channel: str,
        ts: str,
        replies: int,
        *,
        timeout: float = WAIT_S,  # noqa: ASYNC109 - a bound that fails the test
    ) -> list[Message]:
        """The thread of `ts` once it has at least `replies` bot replies."""

        def found() -> list[Message] | None:
            thread = self.slack.thread(channel, ts)
            bot_replies = [m for m in thread[1:] if m.bot_id == self.slack.identity.bot_id]
            return thread if len(bot_replies) >= replies else None

        return await self.slack.wait_for(found, timeout=timeout, what=f"{replies} replies")

    async def idle(self) -> None:
        """Wait until the bot's background work is done."""
        if self.service.bot is not None:
            await self.service.bot.parts.tasks.idle()
        await self.service.queue.join()


def bot_settings(
    clickhouse: ClickHouseSettings,
    data_dir: Path,
    slack: SlackEmulator,
    *,
    redis_url: str | None = None,
) -> Settings:
    """Settings for a bot on the emulator: webhook on, alert cards in #alerts."""
    return Settings(
        data_dir=data_dir,
        clickhouse=clickhouse,
        cache=CacheSettings(redis_url=redis_url),
        slack=SlackSettings(
            bot_token=SecretStr(slack.bot_token),
            app_token=SecretStr(slack.app_token),
            api_url=slack.api_url,
        ),
        http=HttpSettings(host="127.0.0.1", port=0, webhook_token=SecretStr(WEBHOOK_TOKEN)),
        alerts=AlertSettings(channel=ALERTS.id, alertmanager_bot_ids=(ALERTMANAGER_BOT,)),
    )


@asynccontextmanager
async def serving(
    store: EmbeddedExecutor,
    clickhouse: ClickHouseSettings,
    data_dir: Path,
    *,
    slack: SlackEmulator | None = None,
    redis_url: str | None = None,
) -> AsyncIterator[Harness]:
    """The incident seeded, the emulator up and `serve` connected to it (state in Redis when
    `redis_url` is given)."""
    incident = await seed_recent_incident(store, clickhouse)
    emulator = slack or SlackEmulator()
    async with emulator:
        settings = bot_settings(clickhouse, data_dir, emulator, redis_url=redis_url)
        async with open_service(settings, ping_interval_s=1.0, post_interval_s=0.05) as service:
            await emulator.wait_for_connection(1)
            yield Harness(emulator, service, settings, incident)


def alert_payload(
    status: str = "firing",
    *,
    service: str = "frontend",
    fingerprint: str = "1a30ba71cca2921f",
    group: str = "HighErrorRate",
) -> dict[str, Any]:
    """An Alertmanager v4 notification about `service`, started when the incident did."""
    now = datetime.now(UTC)
    starts = now - timedelta(minutes=25)
    ends = now if status == "resolved" else datetime(1, 1, 1, tzinfo=UTC)
    labels = {"alertname": group, "service": service, "severity": "page"}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{group}", service="{service}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "aisher",
        "groupLabels": {"alertname": group, "service": service},
        "commonLabels": labels,
        "commonAnnotations": {"summary": f"{service} 5xx ratio > 5%"},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": status,
                "labels": labels,
                "annotations": {"summary": f"{service} 5xx ratio > 5%"},
                "startsAt": starts.isoformat().replace("+00:00", "Z"),
                "endsAt": ends.isoformat().replace("+00:00", "Z"),
                "generatorURL": "http://prometheus.example:9090/graph",
                "fingerprint": fingerprint,
            }
        ],
    }


def text_of(messages: list[Message]) -> str:
    """Everything the messages say, text and blocks, for `in` checks."""
    parts: list[str] = []
    for message in messages:
        parts.append(message.text)
        parts.append(repr(message.blocks))
    return "\n".join(parts)
