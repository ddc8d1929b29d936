"""The answer cache: LLM answers shared by every replica through Redis, with a local LRU.

Redis is the source of truth while it answers: a hit there is copied into the LRU, a miss there
is a miss (and drops any local copy, so an entry expired or invalidated elsewhere is not served
later from memory). When Redis is unset, down or slow, the LRU answers alone and takes the writes
too; a Redis outage never raises out of `get`, `put` or `invalidate` (see `aisher.redis_link`).

Every entry records the model and prompt version that made it, and `get` refuses an entry made
by another one even when the key matches: the key already contains both, this is the second
lock on the door that keeps an answer of another model or prompt from being served.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aisher.analysis.cache.entry import CachedAnswer, CacheEntryError, decode_entry, encode_entry
from aisher.analysis.report import Answer
from aisher.config import CacheSettings
from aisher.ops.metrics import AisherMetrics, CacheLayer
from aisher.redis_link import RedisLink, RedisUnavailable
from aisher.window import iso

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Counts since start-up; the same events also go to `AisherMetrics` when one is given."""

    hits: int = 0
    misses: int = 0
    errors: int = 0
    refusals: int = 0  # entries found but not served (other model or prompt, unreadable)


class _LocalEntries:
    """A bounded LRU of entries that expire `ttl` after they were made, like their Redis copies."""

    def __init__(self, capacity: int, ttl: timedelta) -> None:
        self._capacity = capacity
        self._ttl = ttl
        self._entries: OrderedDict[str, tuple[CachedAnswer, datetime]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str, now: datetime) -> CachedAnswer | None:
        item = self._entries.get(key)
        if item is None:
            return None
        entry, expires_at = item
        if now >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    def put(self, key: str, entry: CachedAnswer) -> None:
        # Expire with the entry's age, not its arrival here, so that a copy read from Redis late
        # in its life does not outlive the original.
        expires_at = datetime.fromisoformat(entry.created_at) + self._ttl
        self._entries[key] = (entry, expires_at)
        self._entries.move_to_end(key)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def discard(self, key: str) -> None:
        self._entries.pop(key, None)


class AnswerCache:
    """Cached answers by key (see `cache_key.answer_cache_key`); safe to share between tasks.

    Pass `link` to share one Redis client between components (its owner closes it); otherwise
    the cache opens its own from `settings.redis_url` and closes it in `close()`.
    """

    def __init__(
        self,
        settings: CacheSettings,
        *,
        metrics: AisherMetrics | None = None,
        link: RedisLink | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ttl_ms = settings.ttl_s * 1000
        self._local = _LocalEntries(settings.local_entries, timedelta(seconds=settings.ttl_s))
        self._owns_link = link is None
        self._link = link if link is not None else RedisLink(settings.redis_url)
        self._metrics = metrics or AisherMetrics()
        self._clock = clock
        self._hits = self._misses = self._errors = self._refusals = 0

    @property
    def stats(self) -> CacheStats:
        return CacheStats(self._hits, self._misses, self._errors, self._refusals)

    async def get(self, key: str, *, model: str, prompt_version: str) -> CachedAnswer | None:
        """The answer cached under `key` if `model` made it with `prompt_version`, else None."""
        try:
            raw = await self._link.call(lambda client: client.get(key))
        except RedisUnavailable as exc:
            if exc.failed:
                self._count_error("redis")
            return self._get_local(key, model=model, prompt_version=prompt_version)
        if raw is None:
            self._local.discard(key)
            return self._count_lookup("redis", None)
        try:
            entry = decode_entry(raw)
        except CacheEntryError as exc:
            log.warning("ignoring unreadable cache entry %s: %s", key, exc)
            self._count_refusal("redis", "corrupt")
            return self._count_lookup("redis", None)
        if not entry.made_by(model=model, prompt_version=prompt_version):
            self._refuse_stale("redis", key, entry, model=model, prompt_version=prompt_version)
            return self._count_lookup("redis", None)
        self._local.put(key, entry)
        return self._count_lookup("redis", entry)

    async def put(
        self, key: str, answer: Answer, *, model: str, prompt_version: str
    ) -> CachedAnswer:
        """Cache `answer` (made by `model` with `prompt_version`) under `key` for the configured
        TTL, in Redis and the local LRU; the entry records when it was made."""
        entry = CachedAnswer(
            answer=answer.model_copy(
                update={
                    "analyzer": f"llm:{model}",
                    "prompt_version": prompt_version,
                    "created_at": iso(self._clock()),
                }
            )
        )
        self._local.put(key, entry)
        payload = encode_entry(entry)
        try:
            await self._link.call(lambda client: client.set(key, payload, px=self._ttl_ms))
        except RedisUnavailable as exc:
            if exc.failed:
                self._count_error("redis")
        return entry

    async def invalidate(self, key: str) -> None:
        """Forget the answer under `key` everywhere this cache can reach."""
        self._local.discard(key)
        try:
            await self._link.call(lambda client: client.delete(key))
        except RedisUnavailable as exc:
            if exc.failed:
                self._count_error("redis")

    async def close(self) -> None:
        """Release the Redis client if this cache opened it; safe to call more than once."""
        if self._owns_link:
            await self._link.close()

    def _get_local(self, key: str, *, model: str, prompt_version: str) -> CachedAnswer | None:
        entry = self._local.get(key, self._clock())
        if entry is not None and not entry.made_by(model=model, prompt_version=prompt_version):
            self._refuse_stale("local", key, entry, model=model, prompt_version=prompt_version)
            entry = None
        return self._count_lookup("local", entry)

    def _refuse_stale(
        self, layer: CacheLayer, key: str, entry: CachedAnswer, *, model: str, prompt_version: str
    ) -> None:
        log.warning(
            "refusing cache entry %s made by %s with prompt %s (asked for %s with prompt %s)",
            key,
            entry.answer.analyzer,
            entry.answer.prompt_version,
            model,
            prompt_version,
        )
        self._count_refusal(layer, "stale")

    def _count_lookup(self, layer: CacheLayer, entry: CachedAnswer | None) -> CachedAnswer | None:
        hit = entry is not None
        if hit:
            self._hits += 1
        else:
            self._misses += 1
        self._metrics.count_cache(layer, hit=hit)
        return entry

    def _count_error(self, layer: CacheLayer) -> None:
        self._errors += 1
        self._metrics.count_cache_error(layer)

    def _count_refusal(self, layer: CacheLayer, reason: str) -> None:
        self._refusals += 1
        self._metrics.count_cache_refusal(layer, reason)
