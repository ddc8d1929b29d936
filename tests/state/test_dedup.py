"""First-time checks shared by replicas through Redis, with a local fallback."""

from __future__ import annotations

import asyncio
import time

import pytest

from aisher.state.dedup import Deduplicator
from tests.state.conftest import Links
from tests.support.redis_server import RedisServer


class TestDeduplicator:
    async def test_first_time_once_across_replicas(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Of many concurrent offers of one key on two replicas, exactly one is first."""
        one = Deduplicator(links.open(redis_server.url))
        two = Deduplicator(links.open(redis_server.url))
        results = await asyncio.gather(
            *(replica.first_time("Ev123", 60) for replica in (one, two) * 5)
        )
        assert sorted(results) == [False] * 9 + [True]
        assert await one.first_time("Ev456", 60)

    async def test_key_is_new_again_after_its_ttl(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """Redis forgets the key after its TTL, so it counts as new again."""
        dedup = Deduplicator(links.open(redis_server.url))
        assert await dedup.first_time("k", 1)
        other = Deduplicator(links.open(redis_server.url))
        deadline = time.monotonic() + 5.0
        while not await other.first_time("k", 1):
            assert time.monotonic() < deadline, "the key outlived its TTL by seconds"
            await asyncio.sleep(0.1)

    async def test_without_redis_each_replica_remembers_its_own(self, links: Links) -> None:
        """With no Redis, a replica refuses repeats it saw; TTLs follow its clock."""
        dedup = Deduplicator(links.open(None), monotonic=links.clock.monotonic)
        assert await dedup.first_time("k", 60)
        assert not await dedup.first_time("k", 60)
        links.clock.advance(60)
        assert await dedup.first_time("k", 60)

    async def test_outage_still_refuses_keys_seen_before(
        self, links: Links, redis_server: RedisServer
    ) -> None:
        """A key claimed through Redis is still refused from memory once Redis is gone."""
        dedup = Deduplicator(links.open(redis_server.url), monotonic=links.clock.monotonic)
        assert await dedup.first_time("k", 60)
        redis_server.kill()
        assert not await dedup.first_time("k", 60)
        assert await dedup.first_time("new", 60)

    async def test_forget_makes_a_key_new(self, links: Links, redis_server: RedisServer) -> None:
        """After forget the key is new again, everywhere."""
        dedup = Deduplicator(links.open(redis_server.url))
        assert await dedup.first_time("k", 60)
        await dedup.forget("k")
        assert await Deduplicator(links.open(redis_server.url)).first_time("k", 60)

    async def test_ttl_must_be_positive(self, links: Links) -> None:
        """A TTL under one second is refused (Redis EX needs whole seconds)."""
        with pytest.raises(ValueError, match="ttl_s"):
            await Deduplicator(links.open(None)).first_time("k", 0)
