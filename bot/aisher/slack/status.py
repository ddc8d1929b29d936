"""`/aisher status`: the facts about this process's dependencies, gathered with short deadlines.

Each check is bounded so that a hung ClickHouse or Redis makes the status say so, rather than
making the reply never come.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Protocol, TypeVar

from aisher.redis_link import RedisLink, RedisUnavailable
from aisher.slack.messages import StatusFacts

log = logging.getLogger(__name__)

T = TypeVar("T")
CHECK_TIMEOUT_S = 2.0


class Pingable(Protocol):
    @property
    def description(self) -> str: ...

    async def ping(self) -> bool: ...


class HitCounter(Protocol):
    """Counts of cache lookups."""

    @property
    def hits(self) -> int: ...

    @property
    def misses(self) -> int: ...


class CacheCounters(Protocol):
    """The answer cache (`AnswerCache.stats`)."""

    @property
    def stats(self) -> HitCounter: ...


class SpendLedger(Protocol):
    async def spent(self, tenant: str) -> float: ...


class StatusProbe:
    """Reads what `/aisher status` shows; `cache` and `budget` are None without an LLM."""

    def __init__(
        self,
        clickhouse: Pingable,
        redis: RedisLink,
        *,
        llm_model: str | None,
        cache: CacheCounters | None,
        budget: SpendLedger | None,
        daily_budget_usd: float | None,
        tenant: str,
        timeout_s: float = CHECK_TIMEOUT_S,
    ) -> None:
        self._clickhouse = clickhouse
        self._redis = redis
        self._llm_model = llm_model
        self._cache = cache
        self._budget = budget
        self._daily_budget_usd = daily_budget_usd
        self._tenant = tenant
        self._timeout_s = timeout_s

    async def facts(self) -> StatusFacts:
        clickhouse_ok, redis_ok, spent = await asyncio.gather(
            self._bounded(self._clickhouse.ping(), False),
            self._redis_ok(),
            self._spent(),
        )
        return StatusFacts(
            clickhouse_ok=clickhouse_ok,
            clickhouse_description=self._clickhouse.description,
            redis_ok=redis_ok,
            redis_description=self._redis.address if self._redis.configured else "",
            llm_model=self._llm_model,
            cache_hit_rate=hit_rate(self._cache.stats) if self._cache else None,
            spend_today_usd=spent,
            daily_budget_usd=self._daily_budget_usd if self._llm_model else None,
        )

    async def _redis_ok(self) -> bool | None:
        if not self._redis.configured:
            return None

        async def ping() -> bool:
            try:
                return bool(await self._redis.call(lambda client: client.ping()))
            except RedisUnavailable:
                return False

        return await self._bounded(ping(), False)

    async def _spent(self) -> float:
        if self._budget is None:
            return 0.0
        return await self._bounded(self._budget.spent(self._tenant), 0.0)

    async def _bounded(self, check: Awaitable[T], fallback: T) -> T:
        try:
            return await asyncio.wait_for(check, self._timeout_s)
        except Exception as exc:  # noqa: BLE001 - any failure means: report it as down
            log.info("status check failed: %s", exc)
            return fallback


def hit_rate(stats: HitCounter) -> float | None:
    """Hits over lookups, or None before the first lookup."""
    lookups = stats.hits + stats.misses
    return stats.hits / lookups if lookups else None
