"""Daily LLM budgets per tenant, shared by replicas through a real redis-server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from aisher.analysis.cache.budget import KEY_PREFIX, KEY_TTL_S, BudgetLedger
from aisher.config import BudgetSettings
from aisher.ops.metrics import AisherMetrics
from aisher.redis_link import RedisLink
from tests.support.clocks import ManualClock
from tests.support.redis_server import RedisServer

COOL_DOWN_S = 30.0
LATE_EVENING = datetime(2026, 11, 26, 23, 59, 30, tzinfo=UTC)


class Ledgers:
    """Opens ledgers (replicas) that share one manual clock for the day and the cool-down."""

    def __init__(self) -> None:
        self.clock = ManualClock()  # 10:00 UTC
        self._links: list[RedisLink] = []

    def open(
        self,
        redis_url: str | None,
        *,
        daily_usd: float = 5.0,
        per_tenant_usd: dict[str, float] | None = None,
        metrics: AisherMetrics | None = None,
    ) -> BudgetLedger:
        settings = BudgetSettings(
            redis_url=redis_url, daily_usd=daily_usd, per_tenant_usd=per_tenant_usd or {}
        )
        link = RedisLink(redis_url, retry_after_s=COOL_DOWN_S, monotonic=self.clock.monotonic)
        self._links.append(link)
        return BudgetLedger(settings, metrics=metrics, link=link, clock=self.clock.now)

    async def close(self) -> None:
        for link in self._links:
            await link.close()


@pytest.fixture
async def ledgers() -> AsyncIterator[Ledgers]:
    """A ledger factory for one test; every Redis client is closed afterwards."""
    factory = Ledgers()
    try:
        yield factory
    finally:
        await factory.close()


class TestBudgetLedger:
    async def test_replicas_share_the_spend(
        self, ledgers: Ledgers, redis_server: RedisServer
    ) -> None:
        """Spend recorded by two replicas adds up in Redis and both see the total."""
        one, two = ledgers.open(redis_server.url), ledgers.open(redis_server.url)
        await one.record("acme", 1.25)
        await two.record("acme", 0.5)
        await one.record("acme", 0.25)
        assert await one.spent("acme") == pytest.approx(2.0)
        assert await two.spent("acme") == pytest.approx(2.0)
        assert await two.spent("globex") == 0.0

    async def test_concurrent_records_count_once(
        self, ledgers: Ledgers, redis_server: RedisServer
    ) -> None:
        """Many records in flight at once, on two replicas, add up to exactly their sum."""
        one, two = ledgers.open(redis_server.url), ledgers.open(redis_server.url)
        await asyncio.wait_for(
            asyncio.gather(*(ledger.record("acme", 0.25) for ledger in (one, two) * 20)),
            timeout=10,
        )
        assert await one.spent("acme") == pytest.approx(10.0)

    async def test_spend_resets_on_a_new_utc_day(
        self, ledgers: Ledgers, redis_server: RedisServer
    ) -> None:
        """Spend counts per UTC day: a minute past midnight UTC starts from zero."""
        ledgers.clock.set(LATE_EVENING)
        ledger = ledgers.open(redis_server.url)
        await ledger.record("acme", 3.0)
        ledgers.clock.advance(40)
        assert await ledger.spent("acme") == 0.0
        await ledger.record("acme", 1.0)
        assert await ledgers.open(redis_server.url).spent("acme") == pytest.approx(1.0)

    async def test_day_is_taken_in_utc(self, ledgers: Ledgers) -> None:
        """A clock in another time zone still books spend on the UTC day."""
        ledgers.clock.set(LATE_EVENING)
        ledger = ledgers.open(None)
        await ledger.record("acme", 2.0)
        ahead = timezone(timedelta(hours=2))
        ledgers.clock.set(datetime(2026, 11, 27, 1, 59, 50, tzinfo=ahead))  # 23:59:50 UTC
        assert await ledger.spent("acme") == pytest.approx(2.0)

    async def test_key_expires_after_two_days(
        self, ledgers: Ledgers, redis_server: RedisServer
    ) -> None:
        """The day's key carries an expiry of about two days, so old days clean themselves up."""
        await ledgers.open(redis_server.url).record("acme", 0.1)
        client = Redis.from_url(redis_server.url)
        ttl = await client.ttl(f"{KEY_PREFIX}acme:{ledgers.clock.now().date().isoformat()}")
        await client.aclose()
        assert KEY_TTL_S - 60 < ttl <= KEY_TTL_S

    async def test_refuses_when_the_estimate_would_exceed(
        self, ledgers: Ledgers, redis_server: RedisServer
    ) -> None:
        """A call is refused if spend plus its estimate passes the limit, allowed up to it."""
        ledger = ledgers.open(redis_server.url)
        await ledger.record("acme", 4.9)
        refused = await ledger.check("acme", 0.2)
        exact = await ledger.check("acme", 0.1)
        assert not refused.allowed
        assert refused.reason == (
            "daily LLM budget of $5.00 for tenant acme would be exceeded: $4.90 used, "
            "this analysis needs about $0.20"
        )
        assert refused.limit_usd == 5.0
        assert refused.spent_usd == pytest.approx(4.9)
        assert exact.allowed

    async def test_refuses_once_spent(self, ledgers: Ledgers, redis_server: RedisServer) -> None:
        """Past the limit every call is refused with a reason naming limit, tenant and spend."""
        metrics = AisherMetrics(CollectorRegistry())
        ledger = ledgers.open(redis_server.url, metrics=metrics)
        await ledger.record("acme", 5.02)
        decision = await ledger.check("acme", 0.0)
        assert not decision.allowed
        assert decision.reason == "daily LLM budget of $5.00 for tenant acme is spent ($5.02 used)"
        assert metrics.registry.get_sample_value(
            "aisher_budget_refusals_total", {"tenant": "acme"}
        ) == pytest.approx(1.0)

    async def test_limits_per_tenant(self, ledgers: Ledgers, redis_server: RedisServer) -> None:
        """A tenant with its own limit is held to it; others get the default."""
        ledger = ledgers.open(redis_server.url, per_tenant_usd={"globex": 20.0})
        await ledger.record("acme", 6.0)
        await ledger.record("globex", 6.0)
        assert not (await ledger.check("acme", 0.01)).allowed
        decision = await ledger.check("globex", 0.01)
        assert decision.allowed
        assert decision.limit_usd == 20.0

    async def test_zero_limit_never_allows_the_llm(self, ledgers: Ledgers) -> None:
        """A tenant with a limit of 0 is refused even a free call."""
        decision = await ledgers.open(None, per_tenant_usd={"acme": 0.0}).check("acme", 0.0)
        assert not decision.allowed
        assert "turned off for tenant acme" in decision.reason

    async def test_works_without_redis(self, ledgers: Ledgers) -> None:
        """With no Redis URL the ledger counts in process."""
        ledger = ledgers.open(None)
        await ledger.record("acme", 2.0)
        assert await ledger.record("acme", 1.5) == pytest.approx(3.5)
        assert (await ledger.check("acme", 1.0)).allowed
        assert not (await ledger.check("acme", 2.0)).allowed

    async def test_outage_falls_back_in_process(
        self, ledgers: Ledgers, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """With Redis killed the ledger counts on from its last reading and warns once."""
        ledger = ledgers.open(redis_server.url)
        await ledger.record("acme", 4.0)
        redis_server.kill()
        with caplog.at_level(logging.WARNING, logger="aisher.redis_link"):
            assert await ledger.record("acme", 0.5) == pytest.approx(4.5)
            assert await ledger.spent("acme") == pytest.approx(4.5)
            decision = await ledger.check("acme", 0.6)
        assert not decision.allowed
        assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1

    async def test_outage_spend_reaches_redis_later(
        self, ledgers: Ledgers, redis_server: RedisServer
    ) -> None:
        """Spend counted during an outage is added to Redis with the first write after it."""
        ledger = ledgers.open(redis_server.url)
        redis_server.kill()
        await ledger.record("acme", 0.5)
        redis_server.restart()
        ledgers.clock.advance(COOL_DOWN_S + 1)
        await ledger.record("acme", 0.25)
        assert await ledgers.open(redis_server.url).spent("acme") == pytest.approx(0.75)
        assert await ledger.spent("acme") == pytest.approx(0.75)

    async def test_rejects_negative_amounts(self, ledgers: Ledgers) -> None:
        """Negative costs and estimates are programming errors, not refunds."""
        ledger = ledgers.open(None)
        with pytest.raises(ValueError, match="cost_usd"):
            await ledger.record("acme", -1.0)
        with pytest.raises(ValueError, match="estimated_usd"):
            await ledger.check("acme", -1.0)
