"""`serve` operated: /metrics after real analyses, /readyz as Redis comes and goes, the audit.

The whole service runs in the test's event loop (tests/slack/app_harness.py) on the Slack
emulator, chDB and a real redis-server, with the LLM provider's HTTP answered by respx.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from aisher.config import ClickHouseSettings, OpsSettings, Settings
from aisher.serve import Service, open_service
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.testing.slack_emulator import ALERTS, GENERAL, USER_ID, SlackEmulator
from tests.slack.app_harness import (
    WEBHOOK_TOKEN,
    alert_payload,
    bot_settings,
)
from tests.support.databases import seed_recent_incident
from tests.support.fake_llm import FAKE_MODEL, FakeProvider, fake_llm_settings, fake_provider, reply
from tests.support.incident import Incident
from tests.support.redis_server import RedisServer

WAIT_S = 60.0
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def answer_for(incident: Incident) -> str:
    """The LLM's answer for the hand-made incident, citing its real ids."""
    trace_id, span_id = incident.payment_error_spans[0]
    return json.dumps(
        {
            "root_cause": {
                "service": "payment",
                "operation": "POST /charge",
                "exception_type": "KeyError",
                "summary": "payment 2.4.0 reads body['currency'] without a default.",
                "evidence": [f"trace:{trace_id}", f"span:{span_id}"],
            },
            "alternatives": [],
            "remediation": ["Roll back payment to 2.3.1."],
        }
    )


async def scrape(service: Service) -> Samples:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session,
        session.get(service.web.url + "/metrics") as response,
    ):
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum over every series of `name` whose labels include `labels`."""
    return sum(
        found
        for (sample, sample_labels), found in samples.items()
        if sample == name and set(labels.items()) <= set(sample_labels)
    )


async def readyz(service: Service) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session,
        session.get(service.web.url + "/readyz") as response,
    ):
        return response.status, await response.json()


@asynccontextmanager
async def operated(
    store: EmbeddedExecutor,
    clickhouse: ClickHouseSettings,
    data_dir: Path,
    redis: RedisServer,
    *,
    llm: bool = False,
) -> AsyncIterator[tuple[Service, SlackEmulator, Incident, Settings]]:
    """The incident seeded and `serve` running on the emulator, Redis, and the fake LLM."""
    incident = await seed_recent_incident(store, clickhouse)
    async with SlackEmulator() as slack:
        settings = bot_settings(clickhouse, data_dir, slack, redis_url=redis.url).model_copy(
            update={
                "ops": OpsSettings(audit_log=str(data_dir / "audit.jsonl"), shutdown_grace_s=5.0)
            }
        )
        if llm:
            settings = settings.model_copy(update={"llm": fake_llm_settings()})
        async with open_service(settings, ping_interval_s=1.0, post_interval_s=0.05) as service:
            await slack.wait_for_connection(1)
            yield service, slack, incident, settings


@pytest.fixture
def provider() -> Any:
    with fake_provider() as fake:
        yield fake


class TestMetricsAfterAnalyses:
    async def test_metrics_and_audit_match_what_happened(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        redis_server: RedisServer,
        provider: FakeProvider,
    ) -> None:
        """A slash command, an alert and a vote show up in /metrics and in the audit log."""
        async with operated(store, clickhouse_settings, tmp_path, redis_server, llm=True) as (
            service,
            slack,
            incident,
            settings,
        ):
            provider.queue(*(reply(answer_for(incident)) for _ in range(3)))
            slack.push_slash_command("why frontend 30m", channel_id=GENERAL.id)
            summary = await slack.wait_for(
                lambda: next(iter(slack.posts(GENERAL.id)), None), timeout=WAIT_S, what="summary"
            )
            async with (
                aiohttp.ClientSession() as session,
                session.post(
                    service.web.url + "/webhooks/alertmanager",
                    json=alert_payload(),
                    headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
                ) as response,
            ):
                assert response.status == 202
                alert_id = (await response.json())["id"]
            card = await slack.wait_for(
                lambda: next(iter(slack.posts(ALERTS.id)), None), timeout=WAIT_S, what="card"
            )
            slack.push_event(slack.reaction_added(GENERAL.id, summary.ts, "+1"))
            await slack.wait_for(
                lambda: len(slack.thread(ALERTS.id, card.ts)) >= 3 or None,
                timeout=WAIT_S,
                what="the alert's analysis",
            )
            assert service.bot is not None
            await service.bot.parts.tasks.idle()
            await service.queue.join()
            samples = await scrape(service)

        llm_calls = len(provider.requests)
        assert llm_calls >= 1
        slash = {"trigger": "slash", "analyzer": "llm", "outcome": "answered"}
        assert value(samples, "aisher_analyses_total", **slash) == 1
        assert total(samples, "aisher_analyses_total", trigger="alert") == 1
        assert total(samples, "aisher_analyses_total") == 2
        assert value(samples, "aisher_analyses_in_flight") == 0
        assert value(samples, "aisher_queue_depth") == 0
        for stage in ("query", "evidence", "render", "post"):
            count = value(samples, "aisher_analysis_duration_seconds_count", stage=stage)
            assert count == 2, stage
        llm_stage = value(samples, "aisher_analysis_duration_seconds_count", stage="llm")
        assert llm_stage == llm_calls
        assert value(samples, "aisher_llm_requests_total", model=FAKE_MODEL, status="ok") == (
            llm_calls
        )
        tokens = {"model": FAKE_MODEL}
        assert value(samples, "aisher_llm_tokens_total", **tokens, kind="prompt") == (
            1200 * llm_calls
        )
        assert value(samples, "aisher_llm_tokens_total", **tokens, kind="completion") == (
            150 * llm_calls
        )
        cost = value(samples, "aisher_llm_cost_usd_total", model=FAKE_MODEL, tenant="default")
        assert cost > 0
        remaining = value(samples, "aisher_budget_remaining_usd", tenant="default")
        assert remaining == pytest.approx(settings.budget.daily_usd - cost)
        assert 0 < value(samples, "aisher_toon_compression_ratio") < 1.5
        assert value(samples, "aisher_errors_fetched_total") > 0
        failing = value(
            samples, "aisher_clickhouse_query_duration_seconds_count", query="failing_traces"
        )
        assert failing == 2
        assert value(samples, "aisher_alerts_received_total", status="firing") == 1
        assert value(samples, "aisher_feedback_total", vote="up") == 1
        posted = [call for call in slack.calls("chat.postMessage") if call.ok]
        assert value(samples, "aisher_slack_messages_total", kind="post", status="ok") == len(
            posted
        )
        redis_lookups = total(samples, "aisher_cache_requests_total", layer="redis")
        assert redis_lookups >= 2
        assert value(samples, "process_resident_memory_bytes") > 0

        lines = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
        by_trigger = {line["trigger"]: line for line in lines if line["event"] == "analysis"}
        slash_line, alert_line = by_trigger["slash"], by_trigger["alert"]
        assert (slash_line["who"], slash_line["channel"]) == (USER_ID, GENERAL.id)
        assert slash_line["service"] == "frontend"
        assert slash_line["model"] == FAKE_MODEL
        assert slash_line["prompt_sha256"]
        assert slash_line["tokens"] == {"prompt": 1200, "completion": 150}
        assert slash_line["id"]
        assert (alert_line["who"], alert_line["id"]) == ("alertmanager", alert_id)


class TestReadinessInServe:
    async def test_readyz_names_a_stopped_redis_and_sees_it_return(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        redis_server: RedisServer,
    ) -> None:
        """Ready with ClickHouse, Redis and the socket; Redis killed: 503; back: 200."""
        async with operated(store, clickhouse_settings, tmp_path, redis_server) as (
            service,
            _slack,
            _incident,
            _settings,
        ):
            status, body = await readyz(service)
            assert (status, body["status"]) == (200, "ready")
            assert set(body["checks"]) == {"clickhouse", "redis", "slack"}
            redis_server.kill()
            status, body = await readyz(service)
            assert status == 503
            assert body["checks"]["redis"]["ok"] is False
            assert body["checks"]["clickhouse"] == {"ok": True}
            assert body["checks"]["slack"] == {"ok": True}
            redis_server.start()
            status, body = await readyz(service)
            assert (status, body["status"]) == (200, "ready")
