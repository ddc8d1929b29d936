"""The alert thread map: Redis hashes, optimistic updates, and the in-process fallback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from aisher.state.alert_threads import KEY_PREFIX, AlertThread, AlertThreads
from tests.state.conftest import Links
from tests.support.redis_server import RedisServer

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
GROUP = '{}/{severity="page"}:{alertname="HighErrorRate"}'


def record(**changes: object) -> AlertThread:
    base = AlertThread(group_key=GROUP, status="firing", first_seen=T0, last_seen=T0, fire_count=1)
    return base.model_copy(update=changes)


def put(
    new: AlertThread | None,
) -> Callable[[AlertThread | None], tuple[AlertThread | None, AlertThread | None]]:
    """An update that stores `new` whatever is there, and returns what it replaced."""

    def change(current: AlertThread | None) -> tuple[AlertThread | None, AlertThread | None]:
        return new, current

    return change


def bump(current: AlertThread | None) -> tuple[AlertThread, int]:
    base = current or record(fire_count=0)
    updated = base.model_copy(update={"fire_count": base.fire_count + 1})
    return updated, updated.fire_count


class TestAlertThreads:
    async def test_stored_as_a_readable_hash_with_a_ttl(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """A record is a Redis hash of plain fields that expires after the TTL."""
        threads = AlertThreads(links.open(redis_server.url), ttl_s=3600)
        full = record(
            channel="C1",
            ts="1764151200.000100",
            started_at=T0 - timedelta(minutes=2),
            resolve_noted=True,
            service="checkout-svc",
        )
        await threads.update(GROUP, put(full))
        client = Redis.from_url(redis_server.url, decode_responses=True)
        stored = await client.hgetall(KEY_PREFIX + GROUP)
        ttl = await client.ttl(KEY_PREFIX + GROUP)
        await client.aclose()
        assert stored["ts"] == "1764151200.000100"
        assert stored["fire_count"] == "1"
        assert stored["resolve_noted"] == "1"
        assert stored["started_at"] == "2026-11-26T09:58:00Z"
        assert "resolved_at" not in stored
        assert 0 < ttl <= 3600
        assert await threads.get(GROUP) == full

    async def test_shared_between_replicas(self, links: Links, redis_server: RedisServer) -> None:
        """What one replica writes, another reads."""
        one = AlertThreads(links.open(redis_server.url))
        two = AlertThreads(links.open(redis_server.url))
        await one.update(GROUP, put(record(ts="1.1", channel="C1")))
        fetched = await two.get(GROUP)
        assert fetched is not None
        assert fetched.ts == "1.1"

    async def test_concurrent_updates_lose_nothing(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Forty concurrent read-modify-writes from two replicas all count."""
        one = AlertThreads(links.open(redis_server.url))
        two = AlertThreads(links.open(redis_server.url))
        results = await asyncio.gather(*(store.update(GROUP, bump) for store in (one, two) * 20))
        assert sorted(results) == list(range(1, 41))
        final = await one.get(GROUP)
        assert final is not None
        assert final.fire_count == 40

    async def test_none_deletes_and_unchanged_writes_nothing(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Returning None removes the record; returning it unchanged keeps its TTL as it was."""
        threads = AlertThreads(links.open(redis_server.url), ttl_s=3600)
        await threads.update(GROUP, put(record()))
        client = Redis.from_url(redis_server.url)
        await client.expire(KEY_PREFIX + GROUP, 100)
        await threads.update(GROUP, lambda current: (current, None))
        assert 0 < await client.ttl(KEY_PREFIX + GROUP) <= 100
        await threads.update(GROUP, put(None))
        assert not await client.exists(KEY_PREFIX + GROUP)
        await client.aclose()
        assert await threads.get(GROUP) is None

    async def test_unreadable_hash_is_no_record(
        self, links: Links, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A hash this module did not write is ignored with a warning, and can be replaced."""
        client = Redis.from_url(redis_server.url)
        await client.hset(KEY_PREFIX + GROUP, mapping={"status": "exploded"})
        await client.aclose()
        threads = AlertThreads(links.open(redis_server.url))
        with caplog.at_level(logging.WARNING, logger="aisher.state.alert_threads"):
            assert await threads.get(GROUP) is None
        assert "unreadable" in caplog.records[0].getMessage()
        await threads.update(GROUP, put(record()))
        assert await threads.get(GROUP) == record()

    async def test_works_without_redis(self, links: Links) -> None:
        """With no Redis the records live in memory, and expire there."""
        threads = AlertThreads(links.open(None), ttl_s=60, monotonic=links.clock.monotonic)
        assert await threads.update(GROUP, bump) == 1
        assert await threads.update(GROUP, bump) == 2
        links.clock.advance(61)
        assert await threads.get(GROUP) is None

    async def test_outage_uses_the_last_known_record(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """With Redis killed, updates continue from the copy kept in memory."""
        threads = AlertThreads(links.open(redis_server.url), monotonic=links.clock.monotonic)
        await threads.update(GROUP, bump)
        redis_server.kill()
        assert await threads.update(GROUP, bump) == 2
        fetched = await threads.get(GROUP)
        assert fetched is not None
        assert fetched.fire_count == 2

    async def test_redis_is_the_truth_while_it_answers(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """A record deleted by another replica is not served from this one's memory."""
        one = AlertThreads(links.open(redis_server.url))
        two = AlertThreads(links.open(redis_server.url))
        await one.update(GROUP, put(record()))
        await two.update(GROUP, put(None))
        assert await one.get(GROUP) is None
