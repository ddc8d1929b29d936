"""A per-key request limit: so many requests per minute, counted in fixed one-minute windows.

Every replica counts in the same Redis key (`INCR`, and `EXPIRE` on the first request of the
window, in one Lua script so a crash between the two cannot leave a counter that never
expires). While Redis is unset or down, each process counts on its own; a client then gets up
to the limit per replica, which is the price of answering at all.

A fixed window lets a client send up to twice the limit across a window boundary; for a limit
meant to stop runaway scripts and to bound LLM spending, that is close enough, and it costs one
round trip per request.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from aisher.redis_link import RedisLink, RedisUnavailable

RATE_PREFIX = "aisher:api-rate:v1:"
WINDOW_S = 60
# The counter outlives its window a little, so a replica whose clock runs slightly behind
# still finds it.
_EXPIRY_MARGIN_S = 5
_COUNT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return count
"""


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether a request may proceed, and what to tell the client either way."""

    allowed: bool
    limit: int
    remaining: int
    retry_after_s: int  # 0 when allowed; else seconds until the next window


def decide(count: int, *, limit: int, now_s: float, window_s: int = WINDOW_S) -> RateDecision:
    """The decision for the `count`-th request of the current window."""
    remaining = max(0, limit - count)
    if count <= limit:
        return RateDecision(allowed=True, limit=limit, remaining=remaining, retry_after_s=0)
    window_end = (math.floor(now_s / window_s) + 1) * window_s
    # Whole seconds, rounded up and at least 1: Retry-After takes integers, and 0 would invite
    # an immediate retry that fails again.
    wait = max(1, math.ceil(window_end - now_s))
    return RateDecision(allowed=False, limit=limit, remaining=0, retry_after_s=wait)


class RateLimiter:
    """`limit` requests per key per minute, shared through Redis when it answers."""

    def __init__(
        self,
        link: RedisLink,
        *,
        limit: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1:
            raise ValueError("the rate limit must allow at least one request per minute")
        self._link = link
        self._limit = limit
        # Wall-clock time, not monotonic: every replica must agree on where a window starts.
        self._clock = clock
        self._local_window = -1
        self._local_counts: dict[str, int] = {}

    @property
    def limit(self) -> int:
        return self._limit

    async def take(self, key_id: str) -> RateDecision:
        """Count one request of `key_id` and decide whether it may proceed."""
        now = self._clock()
        window = math.floor(now / WINDOW_S)
        try:
            count = await self._count_shared(f"{RATE_PREFIX}{key_id}:{window}")
        except RedisUnavailable:
            count = self._count_local(key_id, window)
        return decide(count, limit=self._limit, now_s=now)

    async def _count_shared(self, key: str) -> int:
        async def run(client: Redis) -> int:
            result = await client.eval(_COUNT_SCRIPT, 1, key, str(WINDOW_S + _EXPIRY_MARGIN_S))
            return int(result)

        return await self._link.call(run)

    def _count_local(self, key_id: str, window: int) -> int:
        if window != self._local_window:
            # A new window: every earlier count is void, which also bounds the dict's size.
            self._local_window = window
            self._local_counts.clear()
        count = self._local_counts.get(key_id, 0) + 1
        self._local_counts[key_id] = count
        return count
