"""The REST API's per-key rate limit: the pure decision, the Redis counter shared by replicas,
the in-process fallback, and the 429 answer with Retry-After on a real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aisher.config import ClickHouseSettings
from aisher.redis_link import RedisLink
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.web.api import RateLimiter
from aisher.web.api.keys import key_digest, key_id
from aisher.web.api.rate_limit import RATE_PREFIX, decide
from tests.support.redis_server import RedisServer
from tests.web.api_client import (
    API_KEY,
    OTHER_KEY,
    api_settings,
    serving_api,
)

# 10:00:45 on some day: 15 seconds before the next minute starts.
NOW_S = 1_764_151_245.0


class FixedClock:
    def __init__(self, now: float = NOW_S) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def redis_link(redis_server: RedisServer) -> AsyncIterator[RedisLink]:
    link = RedisLink(redis_server.url)
    try:
        yield link
    finally:
        await link.close()


class TestDecide:
    def test_allows_up_to_the_limit(self) -> None:
        """Requests 1..limit pass, with the remaining count going down to 0."""
        assert [decide(n, limit=3, now_s=NOW_S).remaining for n in (1, 2, 3)] == [2, 1, 0]
        assert all(decide(n, limit=3, now_s=NOW_S).allowed for n in (1, 2, 3))

    def test_refuses_over_the_limit_until_the_next_minute(self) -> None:
        """Request limit+1 is refused, to be retried when the minute turns."""
        decision = decide(4, limit=3, now_s=NOW_S)
        assert not decision.allowed
        assert decision.retry_after_s == 15

    def test_retry_after_is_at_least_one_second(self) -> None:
        """Right at the end of a minute the wait is rounded up, never 0."""
        assert decide(2, limit=1, now_s=NOW_S + 14.9).retry_after_s == 1


class TestRateLimiter:
    async def test_counts_in_redis_shared_by_replicas(
        self, redis_link: RedisLink, redis_server: RedisServer
    ) -> None:
        """Two limiters on one Redis (two replicas) share the count of a key."""
        clock = FixedClock()
        first = RateLimiter(redis_link, limit=3, clock=clock)
        second = RateLimiter(redis_link, limit=3, clock=clock)
        results = [await limiter.take("k1") for limiter in (first, second, first, second)]
        assert [result.allowed for result in results] == [True, True, True, False]
        assert (await first.take("k2")).allowed  # another key has its own count

    async def test_counter_expires_after_its_window(self, redis_link: RedisLink) -> None:
        """The Redis counter carries a TTL a little over one minute."""
        limiter = RateLimiter(redis_link, limit=3, clock=FixedClock())
        await limiter.take("k1")

        async def keys_and_ttls(client: object) -> list[tuple[bytes, int]]:
            found = [key async for key in client.scan_iter(match=f"{RATE_PREFIX}*")]  # type: ignore[attr-defined]
            return [(key, await client.ttl(key)) for key in found]  # type: ignore[attr-defined]

        [(key, ttl)] = await redis_link.call(keys_and_ttls)
        assert key.decode().startswith(f"{RATE_PREFIX}k1:")
        assert 60 <= ttl <= 65

    async def test_a_new_minute_starts_a_new_count(self, redis_link: RedisLink) -> None:
        """Once the minute turns the key may send `limit` requests again."""
        clock = FixedClock()
        limiter = RateLimiter(redis_link, limit=1, clock=clock)
        assert (await limiter.take("k1")).allowed
        assert not (await limiter.take("k1")).allowed
        clock.now += 15
        assert (await limiter.take("k1")).allowed

    async def test_counts_in_process_while_redis_is_down(
        self, redis_server: RedisServer, redis_link: RedisLink
    ) -> None:
        """With Redis killed the limit still holds, counted by this process."""
        limiter = RateLimiter(redis_link, limit=2, clock=FixedClock())
        redis_server.kill()
        results = [await limiter.take("k1") for _ in range(3)]
        assert [result.allowed for result in results] == [True, True, False]

    async def test_counts_in_process_without_redis(self) -> None:
        """Without AISHER_REDIS_URL each process counts on its own, per key."""
        clock = FixedClock()
        limiter = RateLimiter(RedisLink(None), limit=1, clock=clock)
        assert (await limiter.take("k1")).allowed
        assert (await limiter.take("k2")).allowed
        assert not (await limiter.take("k1")).allowed
        clock.now += 60
        assert (await limiter.take("k1")).allowed


class TestRateLimitedRequests:
    async def test_over_the_limit_is_429_with_retry_after(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        tmp_path: Path,
        redis_server: RedisServer,
        redis_link: RedisLink,
    ) -> None:
        """The third request in a minute with a limit of 2: 429 rate_limited, Retry-After set,
        the refusal audited; another key is not affected."""
        settings = api_settings(clickhouse_settings, tmp_path, redis_url=redis_server.url)
        limiter = RateLimiter(redis_link, limit=2, clock=FixedClock())
        async with serving_api(settings, replace={"limiter": limiter}) as client:
            statuses = [
                (await client.call("GET", "/api/v1/reports/0123456789abcdef")).status
                for _ in range(2)
            ]
            refused = await client.call("GET", "/api/v1/reports/0123456789abcdef")
            other = await client.call(
                "GET",
                "/api/v1/reports/0123456789abcdef",
                headers={"Authorization": f"Bearer {OTHER_KEY}"},
            )
        assert statuses == [404, 404]
        assert refused.status == 429
        assert refused.body["error"]["code"] == "rate_limited"
        assert refused.headers["Retry-After"] == "15"
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        assert other.status == 404
        [line] = client.audit_lines()
        assert (line["event"], line["reason"]) == ("refused", "rate_limited")
        assert line["who"] == key_id(key_digest(API_KEY))
