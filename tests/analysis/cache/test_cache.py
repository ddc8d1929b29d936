"""The answer cache against a real redis-server, its LRU fallback, and the entry codec."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.entry import CachedAnswer, CacheEntryError, decode_entry, encode_entry
from aisher.analysis.cache.key import answer_cache_key
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.report import Answer, RootCause
from aisher.config import CacheSettings
from aisher.ops.metrics import AisherMetrics
from aisher.redis_link import RedisLink
from tests.support.clocks import ManualClock
from tests.support.incidents import checkout_incident, make_answer
from tests.support.redis_server import RedisServer

MODEL = "openai/gpt-4o-mini"
PROMPT = "rca-1a2b3c"
COOL_DOWN_S = 30.0


class CountingAnalyzer:
    """Answers every evidence with the same answer and counts how often it was asked."""

    def __init__(self) -> None:
        self.calls = 0

    async def answer(self, evidence: Evidence) -> Answer:
        self.calls += 1
        return make_answer(f"answer #{self.calls} for {evidence.service}")


async def answer_through(
    cache: AnswerCache,
    analyzer: CountingAnalyzer,
    evidence: Evidence,
    *,
    model: str = MODEL,
    prompt_version: str = PROMPT,
) -> tuple[Answer, bool]:
    """The way an analyzer uses the cache: look up, else answer and store. True when cached."""
    key = answer_cache_key(
        evidence, model=model, prompt_version=prompt_version, masking_version="1"
    )
    cached = await cache.get(key, model=model, prompt_version=prompt_version)
    if cached is not None:
        return cached.served(), True
    answer = await analyzer.answer(evidence)
    await cache.put(key, answer, model=model, prompt_version=prompt_version)
    return answer, False


class Caches:
    """Opens caches whose Redis cool-down and wall clock follow one manual clock."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self._opened: list[tuple[AnswerCache, RedisLink]] = []

    def open(
        self,
        redis_url: str | None,
        *,
        metrics: AisherMetrics | None = None,
        ttl_s: int = 3600,
        local_entries: int = 16,
    ) -> AnswerCache:
        settings = CacheSettings(redis_url=redis_url, ttl_s=ttl_s, local_entries=local_entries)
        link = RedisLink(redis_url, retry_after_s=COOL_DOWN_S, monotonic=self.clock.monotonic)
        cache = AnswerCache(settings, metrics=metrics, link=link, clock=self.clock.now)
        self._opened.append((cache, link))
        return cache

    async def close(self) -> None:
        for cache, link in self._opened:
            await cache.close()
            await link.close()


@pytest.fixture
async def caches() -> AsyncIterator[Caches]:
    """A cache factory for one test; every cache and Redis client is closed afterwards."""
    factory = Caches()
    try:
        yield factory
    finally:
        await factory.close()


def sample(metrics: AisherMetrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def stored(answer: Answer, created_at: str = "2026-11-26T10:00:00.000Z") -> CachedAnswer:
    """An entry as the cache writes it: the answer stamped with its model, prompt and time."""
    return CachedAnswer(
        answer=answer.model_copy(
            update={"analyzer": f"llm:{MODEL}", "prompt_version": PROMPT, "created_at": created_at}
        )
    )


class TestCachedAnswerCodec:
    def test_round_trip_is_faithful(self) -> None:
        """Every field of an answer, nested ones and tuples included, survives encoding."""
        entry = stored(make_answer())
        assert decode_entry(encode_entry(entry)) == entry
        assert decode_entry(encode_entry(entry).encode()) == entry

    def test_answer_without_a_cause_round_trips(self) -> None:
        """A root cause with no service (the heuristic found none) and empty tuples survive."""
        entry = stored(Answer(root_cause=RootCause(service=None, summary="no errors")))
        assert decode_entry(encode_entry(entry)) == entry

    def test_entry_knows_who_made_it(self) -> None:
        """An entry is served only to the model and prompt version that made it."""
        entry = stored(make_answer())
        assert entry.made_by(model=MODEL, prompt_version=PROMPT)
        assert not entry.made_by(model="anthropic/claude-haiku", prompt_version=PROMPT)
        assert not entry.made_by(model=MODEL, prompt_version="rca-other")

    def test_served_copy_is_marked_cached(self) -> None:
        """A hit hands out the answer marked as cached, with its creation time."""
        served = stored(make_answer()).served()
        assert served.cached
        assert served.created_at == "2026-11-26T10:00:00.000Z"

    @pytest.mark.parametrize(
        "raw",
        [
            b"\x80not json",
            "[]",
            '{"format": 99}',
            '{"format": 1, "model": "m", "prompt_version": "p", "created_at": "t", "answer": {}}',
            encode_entry(stored(make_answer()).model_copy(update={"format": 1})),
            encode_entry(stored(make_answer(), created_at="2026-11-26T10:00:00")),  # naive time
            encode_entry(stored(make_answer(), created_at="yesterday")),
        ],
    )
    def test_foreign_entries_are_rejected(self, raw: str | bytes) -> None:
        """Anything this code did not write raises CacheEntryError."""
        with pytest.raises(CacheEntryError):
            decode_entry(raw)


class TestAnswerCache:
    async def test_repeat_hits_without_the_analyzer(
        self, caches: Caches, redis_server: RedisServer
    ) -> None:
        """A repeat of the incident is answered from Redis; the analyzer runs once."""
        analyzer = CountingAnalyzer()
        cache = caches.open(redis_server.url)
        first, cached_first = await answer_through(cache, analyzer, checkout_incident())
        second, cached_second = await answer_through(cache, analyzer, checkout_incident(scale=5))
        assert (cached_first, cached_second) == (False, True)
        assert second.root_cause == first.root_cause
        assert second.remediation == first.remediation
        assert second.prompt_version == PROMPT
        assert analyzer.calls == 1
        assert (cache.stats.hits, cache.stats.misses) == (1, 1)

    async def test_replicas_share_answers(self, caches: Caches, redis_server: RedisServer) -> None:
        """An answer stored by one replica is served by another through Redis."""
        analyzer = CountingAnalyzer()
        registry = CollectorRegistry()
        metrics = AisherMetrics(registry)
        one = caches.open(redis_server.url)
        two = caches.open(redis_server.url, metrics=metrics)
        await answer_through(one, analyzer, checkout_incident())
        _, cached = await answer_through(two, analyzer, checkout_incident())
        assert cached
        assert analyzer.calls == 1
        assert (
            registry.get_sample_value(
                "aisher_cache_requests_total", {"layer": "redis", "result": "hit"}
            )
            == 1.0
        )

    async def test_other_model_or_prompt_misses(
        self, caches: Caches, redis_server: RedisServer
    ) -> None:
        """Another model or prompt version gets its own key, hence a fresh answer."""
        analyzer = CountingAnalyzer()
        cache = caches.open(redis_server.url)
        await answer_through(cache, analyzer, checkout_incident())
        _, by_model = await answer_through(
            cache, analyzer, checkout_incident(), model="ollama/llama3.1"
        )
        _, by_prompt = await answer_through(
            cache, analyzer, checkout_incident(), prompt_version="rca-ffffff"
        )
        assert (by_model, by_prompt) == (False, False)
        assert analyzer.calls == 3

    async def test_stored_model_and_prompt_are_checked(
        self, caches: Caches, redis_server: RedisServer
    ) -> None:
        """An entry under the right key but made by another model or prompt is refused."""
        metrics = AisherMetrics(CollectorRegistry())
        cache = caches.open(redis_server.url, metrics=metrics)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        assert await cache.get("k", model="ollama/llama3.1", prompt_version=PROMPT) is None
        assert await cache.get("k", model=MODEL, prompt_version="rca-ffffff") is None
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None
        assert cache.stats.refusals == 2
        assert sample(metrics, "aisher_cache_refusals_total", layer="redis", reason="stale") == 2
        assert sample(metrics, "aisher_cache_requests_total", layer="redis", result="miss") == 2

    async def test_local_copy_checks_model_and_prompt(self, caches: Caches) -> None:
        """Without Redis the LRU refuses an entry of another model or prompt version too."""
        cache = caches.open(None)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        assert await cache.get("k", model="ollama/llama3.1", prompt_version=PROMPT) is None
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None
        assert cache.stats.refusals == 1

    async def test_entries_expire_in_redis(self, caches: Caches, redis_server: RedisServer) -> None:
        """An entry is gone from Redis once its TTL has passed, and not served from memory."""
        cache = caches.open(redis_server.url, ttl_s=1)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None
        deadline = time.monotonic() + 5.0
        while await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None:
            assert time.monotonic() < deadline, "the entry outlived its TTL by seconds"
            await asyncio.sleep(0.1)

    async def test_created_at_is_recorded(self, caches: Caches, redis_server: RedisServer) -> None:
        """A cached answer carries the UTC time it was made, read back from Redis."""
        clock = caches.clock
        cache = caches.open(redis_server.url)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        clock.advance(90)
        entry = await cache.get("k", model=MODEL, prompt_version=PROMPT)
        assert entry is not None
        assert entry.created_at == "2026-11-26T10:00:00.000Z"

    async def test_invalidate_forgets_everywhere(
        self, caches: Caches, redis_server: RedisServer
    ) -> None:
        """After invalidate neither Redis nor the local copy serves the entry."""
        cache = caches.open(redis_server.url)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        await cache.invalidate("k")
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is None
        redis_server.kill()
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is None

    async def test_unreadable_entry_is_a_miss(
        self, caches: Caches, redis_server: RedisServer
    ) -> None:
        """Garbage under a key is refused as corrupt, not raised."""
        client = Redis.from_url(redis_server.url)
        await client.set("k", b"\x00garbage")
        await client.aclose()
        cache = caches.open(redis_server.url)
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is None
        assert cache.stats.refusals == 1

    async def test_outage_falls_back_to_the_lru(
        self, caches: Caches, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
    ) -> None:
        """With Redis killed, reads and writes use the LRU and one warning is logged."""
        metrics = AisherMetrics(CollectorRegistry())
        cache = caches.open(redis_server.url, metrics=metrics)
        await cache.put("before", make_answer("before"), model=MODEL, prompt_version=PROMPT)
        redis_server.kill()
        with caplog.at_level(logging.WARNING, logger="aisher.redis_link"):
            before = await cache.get("before", model=MODEL, prompt_version=PROMPT)
            await cache.put("during", make_answer("during"), model=MODEL, prompt_version=PROMPT)
            during = await cache.get("during", model=MODEL, prompt_version=PROMPT)
            missing = await cache.get("never", model=MODEL, prompt_version=PROMPT)
            await cache.invalidate("before")
        assert before is not None
        assert before.answer.root_cause.summary == "before"
        assert during is not None
        assert missing is None
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1
        assert "unreachable" in warnings[0].getMessage()
        # One failed attempt, then the cool-down keeps requests away from the dead server.
        assert sample(metrics, "aisher_cache_requests_total", layer="redis", result="error") == 1
        assert sample(metrics, "aisher_cache_requests_total", layer="local", result="hit") == 2
        assert sample(metrics, "aisher_cache_requests_total", layer="local", result="miss") == 1

    async def test_redis_is_used_again_after_restart(
        self, caches: Caches, redis_server: RedisServer
    ) -> None:
        """After the cool-down a restarted Redis takes reads and writes again."""
        clock = caches.clock
        metrics = AisherMetrics(CollectorRegistry())
        cache = caches.open(redis_server.url, metrics=metrics)
        redis_server.kill()
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        redis_server.restart()
        clock.advance(COOL_DOWN_S - 1)
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None
        assert sample(metrics, "aisher_cache_requests_total", layer="local", result="hit") == 1
        clock.advance(2)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        other = caches.open(redis_server.url)
        assert await other.get("k", model=MODEL, prompt_version=PROMPT) is not None
        assert other.stats.hits == 1
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None
        assert sample(metrics, "aisher_cache_requests_total", layer="redis", result="hit") == 1

    async def test_reads_fill_the_lru(self, caches: Caches, redis_server: RedisServer) -> None:
        """An entry read from Redis is still served from memory once Redis is gone."""
        writer = caches.open(redis_server.url)
        reader = caches.open(redis_server.url)
        await writer.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        assert await reader.get("k", model=MODEL, prompt_version=PROMPT) is not None
        redis_server.kill()
        assert await reader.get("k", model=MODEL, prompt_version=PROMPT) is not None

    async def test_stalled_redis_costs_only_the_socket_timeout(
        self, caches: Caches, redis_server: RedisServer
    ) -> None:
        """A Redis that stops answering is given up on within about a second."""
        cache = caches.open(redis_server.url)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        redis_server.pause()
        started = time.monotonic()
        entry = await asyncio.wait_for(
            cache.get("k", model=MODEL, prompt_version=PROMPT), timeout=10
        )
        elapsed = time.monotonic() - started
        redis_server.resume()
        assert entry is not None
        assert elapsed < 3.0
        assert cache.stats.errors == 1

    async def test_close_is_idempotent(self, caches: Caches, redis_server: RedisServer) -> None:
        """Closing twice is harmless, and a closed cache still answers from memory."""
        cache = caches.open(redis_server.url)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        await cache.close()
        await cache.close()
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None


class TestLocalOnlyCache:
    async def test_works_without_redis(self) -> None:
        """With no Redis URL the cache answers from memory and counts the local layer."""
        metrics = AisherMetrics(CollectorRegistry())
        cache = AnswerCache(CacheSettings(redis_url=None), metrics=metrics)
        analyzer = CountingAnalyzer()
        await answer_through(cache, analyzer, checkout_incident())
        _, cached = await answer_through(cache, analyzer, checkout_incident(scale=3))
        await cache.close()
        assert cached
        assert sample(metrics, "aisher_cache_requests_total", layer="local", result="hit") == 1
        assert sample(metrics, "aisher_cache_requests_total", layer="local", result="miss") == 1
        assert sample(metrics, "aisher_cache_requests_total", layer="redis", result="error") == 0

    async def test_lru_evicts_the_oldest(self, caches: Caches) -> None:
        """Past its size the LRU drops the least recently used entry."""
        cache = caches.open(None, local_entries=2)
        for key in ("a", "b"):
            await cache.put(key, make_answer(key), model=MODEL, prompt_version=PROMPT)
        assert await cache.get("a", model=MODEL, prompt_version=PROMPT) is not None
        await cache.put("c", make_answer("c"), model=MODEL, prompt_version=PROMPT)
        assert await cache.get("b", model=MODEL, prompt_version=PROMPT) is None
        assert await cache.get("a", model=MODEL, prompt_version=PROMPT) is not None
        assert await cache.get("c", model=MODEL, prompt_version=PROMPT) is not None

    async def test_local_entries_expire(self, caches: Caches) -> None:
        """A local entry is not served once the TTL has passed since it was made."""
        clock = caches.clock
        cache = caches.open(None, ttl_s=60)
        await cache.put("k", make_answer(), model=MODEL, prompt_version=PROMPT)
        clock.advance(59)
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is not None
        clock.advance(2)
        assert await cache.get("k", model=MODEL, prompt_version=PROMPT) is None
