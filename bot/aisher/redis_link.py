"""A Redis client that steps aside while Redis is unreachable, for state with a local fallback.

The answer cache and the budget ledger keep working when Redis is unset or down: they call Redis
through a `RedisLink`, and when it raises `RedisUnavailable` they answer from their in-process
copy instead. The first failure logs one warning; the link then leaves Redis alone for a cool-down
so that a dead server costs no timeouts on every request, and tries again afterwards.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar
from urllib.parse import urlsplit

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from aisher.errors import AisherError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Long enough that an outage costs one failed attempt per half minute, short enough that the
# replicas share state again soon after Redis returns.
REDIS_RETRY_AFTER_S = 30.0
# Redis answers in milliseconds; a slow Redis must not hold up a Slack reply for long.
REDIS_SOCKET_TIMEOUT_S = 0.5
# One immediate retry reconnects a pooled connection the server closed while idle; more would
# only multiply the wait when Redis is really gone.
REDIS_RETRIES = 1


class RedisUnavailable(AisherError):
    """Redis is unset, cooling down after a failure, or just failed; use the local fallback.

    `failed` is true when this very call reached Redis and failed (worth counting as an error),
    false when Redis was not tried at all. It never leaves the components that use a link.
    """

    def __init__(self, reason: str, *, failed: bool) -> None:
        super().__init__(reason)
        self.failed = failed


class RedisLink:
    """One lazily connected Redis client with a failure cool-down.

    Pass `url=None` for a link that is never available (no Redis configured). `monotonic` is
    injectable so tests can step over the cool-down without sleeping.
    """

    def __init__(
        self,
        url: str | None,
        *,
        retry_after_s: float = REDIS_RETRY_AFTER_S,
        socket_timeout_s: float = REDIS_SOCKET_TIMEOUT_S,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._retry_after_s = retry_after_s
        self._socket_timeout_s = socket_timeout_s
        self._monotonic = monotonic
        self._client: Redis | None = None
        self._down_until: float | None = None
        self._closed = False

    @property
    def configured(self) -> bool:
        return self._url is not None

    @property
    def down(self) -> bool:
        """Whether the last attempt failed (the link may already be due for a retry)."""
        return self._down_until is not None

    async def call(self, operation: Callable[[Redis], Awaitable[T]]) -> T:
        """Run `operation` on the client, or raise `RedisUnavailable` if Redis cannot answer."""
        if self._url is None or self._closed:
            raise RedisUnavailable("no Redis configured", failed=False)
        if self._down_until is not None and self._monotonic() < self._down_until:
            raise RedisUnavailable("Redis is cooling down after a failure", failed=False)
        try:
            result = await operation(self._connect(self._url))
        except (RedisError, OSError) as exc:
            self._fail(exc)
            raise RedisUnavailable(f"Redis failed: {exc}", failed=True) from exc
        if self._down_until is not None:
            log.info("Redis at %s answers again; shared state is back", self.address)
            self._down_until = None
        return result

    @property
    def address(self) -> str:
        """host:port of the server, without the credentials a URL may carry."""
        if self._url is None:
            return "(none)"
        parts = urlsplit(self._url)
        return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"

    async def close(self) -> None:
        """Close the client; safe to call more than once. A closed link is never available."""
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    def _connect(self, url: str) -> Redis:
        if self._client is None:
            self._client = Redis.from_url(
                url,
                socket_timeout=self._socket_timeout_s,
                socket_connect_timeout=self._socket_timeout_s,
                retry=Retry(NoBackoff(), REDIS_RETRIES),
            )
        return self._client

    def _fail(self, exc: BaseException) -> None:
        if self._down_until is None:
            log.warning(
                "Redis at %s is unreachable (%s); using the in-process fallback, retrying in %.0fs",
                self.address,
                exc,
                self._retry_after_s,
            )
        else:
            log.debug("Redis at %s still unreachable: %s", self.address, exc)
        self._down_until = self._monotonic() + self._retry_after_s
