"""First-time checks for things that arrive more than once: Slack retries, webhook resends.

Slack redelivers an event it thinks was not acked (same `event_id`, same envelope), Alertmanager
resends a notification whose answer it did not see, and two Alertmanager peers may both send the
same one. Every replica asks `first_time(key)`; Redis `SET NX EX` makes exactly one of them win.
Without Redis each replica remembers the keys it saw itself, which still stops retries that come
back to the same replica.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from aisher.redis_link import RedisLink, RedisUnavailable
from aisher.state.local import DEFAULT_CAPACITY, ExpiringDict

KEY_PREFIX = "aisher:dedup:v1:"


class Deduplicator:
    """`first_time(key, ttl_s)` is true once per key per TTL across every replica sharing Redis.

    The link is shared and owned by the caller, which closes it.
    """

    def __init__(
        self,
        link: RedisLink,
        *,
        local_entries: int = DEFAULT_CAPACITY,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._link = link
        self._seen: ExpiringDict[bool] = ExpiringDict(local_entries, monotonic=monotonic)

    async def first_time(self, key: str, ttl_s: int) -> bool:
        """True the first time `key` is offered within `ttl_s` seconds, false on every repeat."""
        if ttl_s < 1:
            raise ValueError("ttl_s must be at least one second")
        redis_key = KEY_PREFIX + key

        async def claim(client: Redis) -> bool:
            return bool(await client.set(redis_key, b"1", nx=True, ex=ttl_s))

        try:
            first = await self._link.call(claim)
        except RedisUnavailable:
            return self._seen.set_if_absent(key, True, ttl_s)
        # Remember our own claims too, so that a retry arriving during a later outage still
        # finds them here.
        self._seen.set(key, True, ttl_s)
        return first

    async def forget(self, key: str) -> None:
        """Let `key` count as new again, e.g. when the work it announced could not be queued."""
        self._seen.pop(key)
        try:
            await self._link.call(lambda client: client.delete(KEY_PREFIX + key))
        except RedisUnavailable:
            return
