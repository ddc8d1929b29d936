"""Aisher's metrics, read back from a fresh registry per test."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.config import BudgetSettings, CacheSettings
from aisher.ops.metrics import AisherMetrics
from tests.support.incidents import make_answer


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> AisherMetrics:
    return AisherMetrics(registry)


class TestAisherMetrics:
    def test_known_series_start_at_zero(self, registry: CollectorRegistry) -> None:
        """Cache layers and analyzer outcomes are exported as 0 before anything happens."""
        AisherMetrics(registry)
        for layer in ("redis", "local"):
            for name in ("hits", "misses", "errors"):
                assert (
                    registry.get_sample_value(f"aisher_cache_{name}_total", {"layer": layer}) == 0
                )
        labels = {"analyzer": "llm", "outcome": "cached"}
        assert registry.get_sample_value("aisher_analyses_total", labels) == 0

    def test_registries_are_independent(self) -> None:
        """Two instances on two registries do not share or clash over any metric."""
        first, second = AisherMetrics(CollectorRegistry()), AisherMetrics(CollectorRegistry())
        first.count_budget_refusal("acme")
        assert (
            second.registry.get_sample_value("aisher_budget_refusals_total", {"tenant": "acme"})
            is None
        )

    def test_analyses_are_counted_by_analyzer_kind(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """A report's `llm:<model>` analyzer is counted as `llm`, keeping the label bounded."""
        metrics.count_analysis("llm:openai/gpt-4o-mini", "answered")
        metrics.count_analysis("heuristic", "fallback")
        llm = {"analyzer": "llm", "outcome": "answered"}
        heuristic = {"analyzer": "heuristic", "outcome": "fallback"}
        assert registry.get_sample_value("aisher_analyses_total", llm) == 1
        assert registry.get_sample_value("aisher_analyses_total", heuristic) == 1

    def test_llm_calls_record_tokens_cost_and_latency(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """One LLM call adds its tokens by kind, its cost and one latency observation."""
        model = "openai/gpt-4o-mini"
        metrics.observe_llm_call(
            model, prompt_tokens=1800, completion_tokens=200, cost_usd=0.0004, latency_s=3.2
        )
        metrics.observe_llm_call(
            model, prompt_tokens=200, completion_tokens=50, cost_usd=0.0001, latency_s=0.7
        )

        def value(name: str, **labels: str) -> float | None:
            return registry.get_sample_value(name, {"model": model, **labels})

        assert value("aisher_llm_tokens_total", kind="prompt") == 2000
        assert value("aisher_llm_tokens_total", kind="completion") == 250
        assert value("aisher_llm_cost_usd_total") == pytest.approx(0.0005)
        assert value("aisher_llm_latency_seconds_count") == 2
        assert value("aisher_llm_latency_seconds_sum") == pytest.approx(3.9)
        assert value("aisher_llm_latency_seconds_bucket", le="1.0") == 1

    def test_clickhouse_queries_are_timed_by_name(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """Query durations land in a histogram labelled with the query's name."""
        metrics.observe_clickhouse_query("error_spans", 0.12)
        labels = {"query": "error_spans"}
        assert registry.get_sample_value("aisher_clickhouse_query_seconds_count", labels) == 1
        assert (
            registry.get_sample_value(
                "aisher_clickhouse_query_seconds_bucket", {**labels, "le": "0.25"}
            )
            == 1
        )

    async def test_cache_and_ledger_update_the_metrics(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """The cache counts lookups by layer and the ledger counts refusals by tenant."""
        cache = AnswerCache(CacheSettings(redis_url=None), metrics=metrics)
        await cache.put("k", make_answer(), model="m", prompt_version="p")
        await cache.get("k", model="m", prompt_version="p")
        await cache.get("other", model="m", prompt_version="p")
        ledger = BudgetLedger(BudgetSettings(redis_url=None, daily_usd=1.0), metrics=metrics)
        await ledger.record("acme", 1.0)
        await ledger.check("acme", 0.1)
        await cache.close()
        await ledger.close()
        assert registry.get_sample_value("aisher_cache_hits_total", {"layer": "local"}) == 1
        assert registry.get_sample_value("aisher_cache_misses_total", {"layer": "local"}) == 1
        refusals = registry.get_sample_value("aisher_budget_refusals_total", {"tenant": "acme"})
        assert refusals == 1

    def test_exposition_names_every_metric(self, metrics: AisherMetrics) -> None:
        """The text exposition lists each metric family with its help text."""
        text = generate_latest(metrics.registry).decode()
        for family in (
            "aisher_cache_hits_total",
            "aisher_cache_refusals_total",
            "aisher_analyses_total",
            "aisher_llm_tokens_total",
            "aisher_llm_cost_usd_total",
            "aisher_llm_latency_seconds",
            "aisher_budget_refusals_total",
            "aisher_clickhouse_query_seconds",
        ):
            assert f"# HELP {family}" in text
