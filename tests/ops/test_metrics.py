"""Aisher's metrics, read back from a fresh registry per test."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.config import BudgetSettings, CacheSettings
from aisher.errors import DataSourceError, DataSourceUnavailable, QueryTimeout
from aisher.ops.analysis_meter import add_stage, note_outcome, time_query
from aisher.ops.metrics import AisherMetrics
from tests.support.incidents import make_answer

MODEL = "openai/gpt-4o-mini"
EXPORTED = (
    "aisher_analyses_total",
    "aisher_analysis_duration_seconds",
    "aisher_analyses_in_flight",
    "aisher_queue_depth",
    "aisher_errors_fetched_total",
    "aisher_clickhouse_query_duration_seconds",
    "aisher_clickhouse_errors_total",
    "aisher_cache_requests_total",
    "aisher_cache_refusals_total",
    "aisher_llm_requests_total",
    "aisher_llm_analysis_duration_seconds",
    "aisher_llm_tokens_total",
    "aisher_llm_cost_usd_total",
    "aisher_toon_compression_ratio",
    "aisher_budget_remaining_usd",
    "aisher_budget_refusals_total",
    "aisher_slack_messages_total",
    "aisher_alerts_received_total",
    "aisher_feedback_total",
)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def metrics(registry: CollectorRegistry) -> AisherMetrics:
    return AisherMetrics(registry)


class TestAisherMetrics:
    def test_known_series_start_at_zero(self, registry: CollectorRegistry) -> None:
        """Cache results, ClickHouse errors, alerts and votes are exported as 0 from the start."""
        AisherMetrics(registry)
        for layer in ("redis", "local"):
            for result in ("hit", "miss", "error"):
                labels = {"layer": layer, "result": result}
                assert registry.get_sample_value("aisher_cache_requests_total", labels) == 0
        for status in ("firing", "resolved"):
            assert (
                registry.get_sample_value("aisher_alerts_received_total", {"status": status}) == 0
            )
        for error_type in ("unavailable", "timeout", "schema", "query"):
            labels = {"error_type": error_type}
            assert registry.get_sample_value("aisher_clickhouse_errors_total", labels) == 0

    def test_registries_are_independent(self) -> None:
        """Two instances on two registries do not share or clash over any metric."""
        first, second = AisherMetrics(CollectorRegistry()), AisherMetrics(CollectorRegistry())
        first.count_budget_refusal("acme")
        assert (
            second.registry.get_sample_value("aisher_budget_refusals_total", {"tenant": "acme"})
            is None
        )

    def test_process_and_python_collectors_are_on_the_registry(
        self, metrics: AisherMetrics
    ) -> None:
        """The injected registry carries the process, platform and GC collectors."""
        text = generate_latest(metrics.registry).decode()
        assert "process_resident_memory_bytes" in text
        assert "python_info" in text
        assert "python_gc_objects_collected_total" in text

    def test_exposition_names_every_metric(self, metrics: AisherMetrics) -> None:
        """The text exposition lists each metric family with its help text."""
        text = generate_latest(metrics.registry).decode()
        for family in EXPORTED:
            assert f"# HELP {family.removesuffix('_total')}" in text

    def test_llm_calls_record_status_tokens_cost_and_duration(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """Each LLM analysis counts by status and adds tokens by kind and cost by tenant."""
        metrics.observe_llm_call(
            MODEL,
            status="ok",
            seconds=3.2,
            tenant="acme",
            prompt_tokens=1800,
            completion_tokens=200,
            cost_usd=0.0004,
        )
        metrics.observe_llm_call(MODEL, status="rejected", seconds=0.7, tenant="acme")

        def value(name: str, **labels: str) -> float | None:
            return registry.get_sample_value(name, {"model": MODEL, **labels})

        assert value("aisher_llm_requests_total", status="ok") == 1
        assert value("aisher_llm_requests_total", status="rejected") == 1
        assert value("aisher_llm_tokens_total", kind="prompt") == 1800
        assert value("aisher_llm_tokens_total", kind="completion") == 200
        assert value("aisher_llm_cost_usd_total", tenant="acme") == pytest.approx(0.0004)
        assert value("aisher_llm_analysis_duration_seconds_count", status="ok") == 1
        assert (
            value("aisher_llm_analysis_duration_seconds_bucket", status="rejected", le="1.0") == 1
        )

    def test_unknown_label_values_count_as_other(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """A label value outside its fixed set is kept as `other`, so no label grows unbounded."""
        metrics.count_alert("exploded")
        metrics.count_feedback("meh")
        assert registry.get_sample_value("aisher_alerts_received_total", {"status": "other"}) == 1
        assert registry.get_sample_value("aisher_feedback_total", {"vote": "other"}) == 1

    def test_clickhouse_failures_are_counted_by_kind(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """Timeouts, unreachable servers and refused queries each have their error type."""
        for error in (QueryTimeout("t"), DataSourceUnavailable("u"), DataSourceError("q")):
            metrics.count_clickhouse_error(error)
        for error_type in ("timeout", "unavailable", "query"):
            labels = {"error_type": error_type}
            assert registry.get_sample_value("aisher_clickhouse_errors_total", labels) == 1

    def test_clickhouse_queries_are_timed_by_name(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """Query durations land in a histogram labelled with the query's name."""
        metrics.observe_clickhouse_query("error_spans", 0.12)
        labels = {"query": "error_spans"}
        name = "aisher_clickhouse_query_duration_seconds"
        assert registry.get_sample_value(f"{name}_count", labels) == 1
        assert registry.get_sample_value(f"{name}_bucket", {**labels, "le": "0.25"}) == 1

    async def test_cache_and_ledger_update_the_metrics(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """The cache counts lookups by layer and result; the ledger refusals and what is left."""
        cache = AnswerCache(CacheSettings(redis_url=None), metrics=metrics)
        await cache.put("k", make_answer(), model="m", prompt_version="p")
        await cache.get("k", model="m", prompt_version="p")
        await cache.get("other", model="m", prompt_version="p")
        ledger = BudgetLedger(BudgetSettings(redis_url=None, daily_usd=1.0), metrics=metrics)
        await ledger.record("acme", 0.25)
        assert registry.get_sample_value(
            "aisher_budget_remaining_usd", {"tenant": "acme"}
        ) == pytest.approx(0.75)
        await ledger.record("acme", 0.75)
        await ledger.check("acme", 0.1)
        await cache.close()
        await ledger.close()
        hit = {"layer": "local", "result": "hit"}
        miss = {"layer": "local", "result": "miss"}
        assert registry.get_sample_value("aisher_cache_requests_total", hit) == 1
        assert registry.get_sample_value("aisher_cache_requests_total", miss) == 1
        refusals = registry.get_sample_value("aisher_budget_refusals_total", {"tenant": "acme"})
        assert refusals == 1
        assert registry.get_sample_value("aisher_budget_remaining_usd", {"tenant": "acme"}) == 0


class TestMeasureAnalysis:
    async def test_a_finished_analysis_is_counted_with_its_stages(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """Trigger, analyzer kind and outcome label one count; each stage gets an observation."""
        with metrics.measure_analysis("slash", analyzer="llm") as meter:
            assert registry.get_sample_value("aisher_analyses_in_flight") == 1
            with meter.stage("collect"), time_query():
                await asyncio.sleep(0)
            add_stage("llm", 1.5)
            meter.answered(f"llm:{MODEL}", cached=False)
            with meter.stage("render"):
                pass
        labels = {"trigger": "slash", "analyzer": "llm", "outcome": "answered"}
        assert registry.get_sample_value("aisher_analyses_total", labels) == 1
        assert registry.get_sample_value("aisher_analyses_in_flight") == 0
        for stage in ("query", "evidence", "llm", "render"):
            count = registry.get_sample_value(
                "aisher_analysis_duration_seconds_count", {"stage": stage}
            )
            assert count == 1, stage
        llm_sum = registry.get_sample_value(
            "aisher_analysis_duration_seconds_sum", {"stage": "llm"}
        )
        assert llm_sum == pytest.approx(1.5)

    def test_a_noted_outcome_wins_and_a_failure_is_failed(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """`note_outcome` sets the outcome; an exception counts as failed and propagates."""
        with metrics.measure_analysis("alert", analyzer="llm"):
            note_outcome("fallback")
        with pytest.raises(RuntimeError), metrics.measure_analysis("api", analyzer="heuristic"):
            raise RuntimeError("boom")
        fallback = {"trigger": "alert", "analyzer": "llm", "outcome": "fallback"}
        failed = {"trigger": "api", "analyzer": "heuristic", "outcome": "failed"}
        assert registry.get_sample_value("aisher_analyses_total", fallback) == 1
        assert registry.get_sample_value("aisher_analyses_total", failed) == 1

    def test_a_cached_answer_and_an_unknown_trigger(
        self, metrics: AisherMetrics, registry: CollectorRegistry
    ) -> None:
        """A cached answer's outcome is `cached`; a trigger outside the set counts as `other`."""
        with metrics.measure_analysis("carrier-pigeon", analyzer="llm") as meter:
            meter.answered(f"llm:{MODEL}", cached=True)
        labels = {"trigger": "other", "analyzer": "llm", "outcome": "cached"}
        assert registry.get_sample_value("aisher_analyses_total", labels) == 1
