"""Every Prometheus metric Aisher exports, defined once against an injected registry.

Entry points build one `AisherMetrics(registry)` and hand it to the components that count
things; tests build a fresh `CollectorRegistry()` and read values with `get_sample_value`.
Nothing here registers anything at import time.

Exported series (counters get Prometheus's `_total` suffix):

    aisher_cache_hits_total{layer}                 layer: redis | local
    aisher_cache_misses_total{layer}
    aisher_cache_errors_total{layer}               Redis unreachable or failing
    aisher_cache_refusals_total{layer,reason}      entry found but not served: stale | corrupt
    aisher_analyses_total{analyzer,outcome}        analyzer: heuristic | llm
    aisher_llm_tokens_total{model,kind}            kind: prompt | completion
    aisher_llm_cost_usd_total{model}
    aisher_llm_latency_seconds{model}              histogram
    aisher_budget_refusals_total{tenant}
    aisher_clickhouse_query_seconds{query}         histogram
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram

CacheLayer = Literal["redis", "local"]
CACHE_LAYERS: tuple[CacheLayer, ...] = ("redis", "local")
ANALYZERS = ("heuristic", "llm")
# answered: a fresh answer; cached: served from the answer cache; fallback: the LLM failed or was
# refused and the heuristic answered instead; failed: no report at all.
ANALYSIS_OUTCOMES = ("answered", "cached", "fallback", "failed")
TOKEN_KINDS = ("prompt", "completion")

# LLM calls take seconds to a minute; the default buckets stop at 10 s.
LLM_LATENCY_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)
# Error-window queries should finish well under a second (target: 100 ms median on 1M spans).
CLICKHOUSE_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class AisherMetrics:
    """Aisher's metrics in one registry. Components take an instance and update it; one built
    without a registry gets a private one, so counting never needs a `None` check."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.registry = registry
        self.cache_hits = Counter(
            "aisher_cache_hits", "Answer-cache lookups served.", ["layer"], registry=registry
        )
        self.cache_misses = Counter(
            "aisher_cache_misses", "Answer-cache lookups not served.", ["layer"], registry=registry
        )
        self.cache_errors = Counter(
            "aisher_cache_errors",
            "Answer-cache operations that failed on a layer (Redis down, timeouts).",
            ["layer"],
            registry=registry,
        )
        self.cache_refusals = Counter(
            "aisher_cache_refusals",
            "Cached entries found but not served: made by another model or prompt, or unreadable.",
            ["layer", "reason"],
            registry=registry,
        )
        self.analyses = Counter(
            "aisher_analyses",
            "Analyses run, by analyzer and outcome.",
            ["analyzer", "outcome"],
            registry=registry,
        )
        self.llm_tokens = Counter(
            "aisher_llm_tokens", "LLM tokens used.", ["model", "kind"], registry=registry
        )
        self.llm_cost_usd = Counter(
            "aisher_llm_cost_usd", "LLM spend in US dollars.", ["model"], registry=registry
        )
        self.llm_latency = Histogram(
            "aisher_llm_latency_seconds",
            "Time for one LLM completion, retries included.",
            ["model"],
            buckets=LLM_LATENCY_BUCKETS,
            registry=registry,
        )
        self.budget_refusals = Counter(
            "aisher_budget_refusals",
            "LLM analyses refused because the tenant's daily budget is spent.",
            ["tenant"],
            registry=registry,
        )
        self.clickhouse_query_latency = Histogram(
            "aisher_clickhouse_query_seconds",
            "Time for one ClickHouse query, by query name.",
            ["query"],
            buckets=CLICKHOUSE_LATENCY_BUCKETS,
            registry=registry,
        )
        self._initialise_known_labels()

    def count_cache(self, layer: CacheLayer, *, hit: bool) -> None:
        """Count one lookup answered (or not) by `layer`."""
        (self.cache_hits if hit else self.cache_misses).labels(layer=layer).inc()

    def count_cache_error(self, layer: CacheLayer) -> None:
        self.cache_errors.labels(layer=layer).inc()

    def count_cache_refusal(self, layer: CacheLayer, reason: str) -> None:
        self.cache_refusals.labels(layer=layer, reason=reason).inc()

    def count_analysis(self, analyzer: str, outcome: str) -> None:
        """Count one analysis; `analyzer` may be a report's `llm:<model>`, kept as `llm`."""
        self.analyses.labels(analyzer=analyzer.split(":", 1)[0], outcome=outcome).inc()

    def observe_llm_call(
        self,
        model: str,
        *,
        prompt_tokens: int,
        completion_tokens: int,
        cost_usd: float,
        latency_s: float,
    ) -> None:
        """Record one completed LLM call: its tokens, its cost and how long it took."""
        self.llm_tokens.labels(model=model, kind="prompt").inc(prompt_tokens)
        self.llm_tokens.labels(model=model, kind="completion").inc(completion_tokens)
        self.llm_cost_usd.labels(model=model).inc(cost_usd)
        self.llm_latency.labels(model=model).observe(latency_s)

    def count_budget_refusal(self, tenant: str) -> None:
        self.budget_refusals.labels(tenant=tenant).inc()

    def observe_clickhouse_query(self, query: str, seconds: float) -> None:
        """Record one ClickHouse query's duration; `query` is a fixed name, never SQL text."""
        self.clickhouse_query_latency.labels(query=query).observe(seconds)

    def _initialise_known_labels(self) -> None:
        # Series that exist from start-up read as 0 rather than "no data", so rates and
        # hit ratios work before the first event.
        for layer in CACHE_LAYERS:
            for counter in (self.cache_hits, self.cache_misses, self.cache_errors):
                counter.labels(layer=layer)
        for analyzer in ANALYZERS:
            for outcome in ANALYSIS_OUTCOMES:
                self.analyses.labels(analyzer=analyzer, outcome=outcome)
