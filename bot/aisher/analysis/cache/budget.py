"""Per-tenant daily LLM budgets, shared by every replica through Redis.

Spend is kept in US dollars under one Redis key per tenant and UTC day, increased with
`INCRBYFLOAT` so that replicas never lose each other's updates, and left to expire two days later.
Without Redis (unset, down, slow) each replica keeps counting in process: its last reading of the
shared total plus what it spent since. That spend is added to Redis with the next write that gets
through, so an outage does not hand out a second budget. A write whose reply was lost may count
twice; for a spending limit, erring high is the safe side.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis

from aisher.config import BudgetSettings
from aisher.ops.metrics import AisherMetrics
from aisher.redis_link import RedisLink, RedisUnavailable

log = logging.getLogger(__name__)

KEY_PREFIX = "aisher:budget:v1:"
# Long enough to read yesterday's spend just after midnight UTC, short enough to clean up.
KEY_TTL_S = 2 * 86_400
# Spend is compared to the cent's ten-thousandth so that float noise never flips a decision.
_PRECISION = 6


@dataclass(frozen=True, slots=True)
class BudgetDecision:
    """Whether an LLM call of about `estimated_usd` fits the tenant's budget today, and why."""

    allowed: bool
    tenant: str
    limit_usd: float
    spent_usd: float
    estimated_usd: float
    reason: str


class BudgetLedger:
    """Daily LLM spend per tenant; `check` before calling the LLM, `record` after.

    Pass `link` to share one Redis client between components (its owner closes it); otherwise
    the ledger opens its own from `settings.redis_url`. `clock` decides the UTC day.
    """

    def __init__(
        self,
        settings: BudgetSettings,
        *,
        metrics: AisherMetrics | None = None,
        link: RedisLink | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._metrics = metrics or AisherMetrics()
        self._owns_link = link is None
        self._link = link if link is not None else RedisLink(settings.redis_url)
        self._clock = clock
        # Per (tenant, day): the last total Redis reported, and spend Redis has not seen yet.
        self._known: dict[tuple[str, str], float] = {}
        self._unsent: dict[tuple[str, str], float] = {}

    async def spent(self, tenant: str) -> float:
        """US dollars spent on the LLM for `tenant` today (UTC)."""
        slot = self._slot(tenant)
        try:
            raw = await self._link.call(lambda client: client.get(_key(*slot)))
        except RedisUnavailable:
            return self._estimate(slot)
        try:
            self._known[slot] = float(raw) if raw is not None else 0.0
        except ValueError:
            # Only INCRBYFLOAT writes these keys; keep the last good reading rather than fail.
            log.warning("ignoring a non-numeric budget value under %s: %r", _key(*slot), raw)
        return self._estimate(slot)

    async def check(self, tenant: str, estimated_usd: float) -> BudgetDecision:
        """Whether a call costing about `estimated_usd` may run; refusals are counted."""
        if estimated_usd < 0:
            raise ValueError("estimated_usd must not be negative")
        limit = self._settings.limit_for(tenant)
        spent = await self.spent(tenant) if limit > 0 else 0.0
        allowed, reason = _decide(tenant, limit, spent, estimated_usd)
        self._metrics.set_budget_remaining(tenant, limit - spent)
        if not allowed:
            log.info("LLM refused: %s", reason)
            self._metrics.count_budget_refusal(tenant)
        return BudgetDecision(allowed, tenant, limit, spent, estimated_usd, reason)

    async def record(self, tenant: str, cost_usd: float) -> float:
        """Add the cost of a finished LLM call to today's spend; returns the new total."""
        if cost_usd < 0:
            raise ValueError("cost_usd must not be negative")
        slot = self._slot(tenant)
        # Take the unsent spend out before awaiting so that a concurrent record cannot send it
        # a second time; it goes back if Redis does not take it.
        amount = self._unsent.pop(slot, 0.0) + cost_usd
        if amount == 0:
            return self._estimate(slot)
        key = _key(*slot)

        async def add(client: Redis) -> float:
            async with client.pipeline(transaction=True) as pipe:
                pipe.incrbyfloat(key, amount)
                pipe.expire(key, KEY_TTL_S)
                total, _ = await pipe.execute()
            return float(total)

        try:
            total = await self._link.call(add)
        except RedisUnavailable:
            self._unsent[slot] = self._unsent.get(slot, 0.0) + amount
        else:
            # A day's total only grows, but replies of concurrent writes may arrive out of order.
            self._known[slot] = max(self._known.get(slot, 0.0), total)
        spent = self._estimate(slot)
        self._metrics.set_budget_remaining(tenant, self._settings.limit_for(tenant) - spent)
        return spent

    async def close(self) -> None:
        """Release the Redis client if this ledger opened it; safe to call more than once."""
        if self._owns_link:
            await self._link.close()

    def _slot(self, tenant: str) -> tuple[str, str]:
        day = self._clock().astimezone(UTC).date().isoformat()
        # A new day starts from nothing: forget the in-process figures of earlier days.
        for slot in [slot for slot in (*self._known, *self._unsent) if slot[1] != day]:
            self._known.pop(slot, None)
            self._unsent.pop(slot, None)
        return tenant, day

    def _estimate(self, slot: tuple[str, str]) -> float:
        return self._known.get(slot, 0.0) + self._unsent.get(slot, 0.0)


def _key(tenant: str, day: str) -> str:
    # The day has a fixed width at the end, so no two (tenant, day) pairs share a key.
    return f"{KEY_PREFIX}{tenant}:{day}"


def _decide(tenant: str, limit: float, spent: float, estimated: float) -> tuple[bool, str]:
    budget = f"daily LLM budget of ${limit:.2f} for tenant {tenant}"
    if limit <= 0:
        return False, f"the LLM is turned off for tenant {tenant} (daily budget $0.00)"
    if round(spent, _PRECISION) >= limit:
        return False, f"{budget} is spent (${spent:.2f} used)"
    if round(spent + estimated, _PRECISION) > limit:
        return False, (
            f"{budget} would be exceeded: ${spent:.2f} used, "
            f"this analysis needs about ${estimated:.2f}"
        )
    return True, f"${spent:.2f} of the {budget} used"
