"""Every Prometheus metric Aisher exports, defined once against an injected registry.

Entry points build one `AisherMetrics(registry)` and hand it to the components that count
things; tests build a fresh `CollectorRegistry()` and read values with `get_sample_value`.
Nothing here registers anything at import time. Every label takes values from a fixed small set
(or from configuration: model names, tenants); anything else is counted as `other`.

    aisher_analyses_total{trigger,analyzer,outcome}   one per analysis, when it ends
    aisher_analysis_duration_seconds{stage}           query | evidence | llm | render | post
    aisher_analyses_in_flight                         analyses running now
    aisher_queue_depth                                alert jobs waiting for the worker
    aisher_errors_fetched_total                       error spans read from SigNoz
    aisher_clickhouse_query_duration_seconds{query}   one per query, by its fixed name
    aisher_clickhouse_errors_total{error_type}        unavailable | timeout | schema | query
    aisher_cache_requests_total{layer,result}         layer redis | local; hit | miss | error
    aisher_cache_refusals_total{layer,reason}         entry found but not served: stale | corrupt
    aisher_llm_requests_total{model,status}           ok | rejected | unavailable
    aisher_llm_analysis_duration_seconds{model,status}
    aisher_llm_tokens_total{model,kind}               prompt | completion
    aisher_llm_cost_usd_total{model,tenant}
    aisher_toon_compression_ratio                     TOON over JSON tokens, last LLM context
    aisher_budget_remaining_usd{tenant}               today's budget left, as last seen
    aisher_budget_refusals_total{tenant}
    aisher_slack_messages_total{kind,status}          post | update; ok | error
    aisher_alerts_received_total{status}              firing | resolved
    aisher_feedback_total{vote}                       up | down | withdrawn

plus the process (`process_*`) and Python (`python_gc_*`, `python_info`) collectors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.gc_collector import GCCollector

from aisher.errors import DataSourceError, DataSourceUnavailable, QueryTimeout, SchemaError
from aisher.ops.analysis_meter import AnalysisMeter, current_meter

CacheLayer = Literal["redis", "local"]
CACHE_LAYERS: tuple[CacheLayer, ...] = ("redis", "local")
CACHE_RESULTS = ("hit", "miss", "error")
OTHER = "other"
TRIGGERS = ("cli", "slash", "alert", "reaction", "button", "api")
ANALYZERS = ("heuristic", "llm")
# answered: a fresh answer; cached: served from the answer cache; fallback: the LLM failed or was
# refused and the heuristic answered instead; failed: no report at all; cancelled: shutdown.
ANALYSIS_OUTCOMES = ("answered", "cached", "fallback", "failed", "cancelled")
STAGES = ("query", "evidence", "llm", "render", "post")
TOKEN_KINDS = ("prompt", "completion")
LLM_STATUSES = ("ok", "rejected", "unavailable")
CLICKHOUSE_ERROR_TYPES = ("unavailable", "timeout", "schema", "query")
SLACK_KINDS = ("post", "update")
SLACK_STATUSES = ("ok", "error")
ALERT_STATUSES = ("firing", "resolved")
VOTES = ("up", "down", "withdrawn")

# LLM calls take seconds to a minute; the default buckets stop at 10 s.
LLM_LATENCY_BUCKETS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0, 120.0)
# Error-window queries should finish well under a second (target: 100 ms median on 1M spans).
CLICKHOUSE_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


def known(value: str, allowed: tuple[str, ...]) -> str:
    """`value` if it is one of `allowed`, else `other`: no label grows without bound."""
    return value if value in allowed else OTHER


def clickhouse_error_type(error: DataSourceError) -> str:
    """The `error_type` label of a ClickHouse failure."""
    if isinstance(error, QueryTimeout):
        return "timeout"
    if isinstance(error, DataSourceUnavailable):
        return "unavailable"
    if isinstance(error, SchemaError):
        return "schema"
    return "query"


class AisherMetrics:
    """Aisher's metrics in one registry. Components take an instance and update it; one built
    without a registry gets a private one, so counting never needs a `None` check."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.registry = registry
        self.analyses = Counter(
            "aisher_analyses_total",
            "Analyses run, by what asked for them, the analyzer that answered and the outcome.",
            ["trigger", "analyzer", "outcome"],
            registry=registry,
        )
        self.analysis_duration = Histogram(
            "aisher_analysis_duration_seconds",
            "Time one analysis spent in each stage.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.analyses_in_flight = Gauge(
            "aisher_analyses_in_flight", "Analyses running now.", registry=registry
        )
        self.queue_depth = Gauge(
            "aisher_queue_depth", "Alert jobs waiting for the worker.", registry=registry
        )
        self.errors_fetched = Counter(
            "aisher_errors_fetched_total", "Error spans read from SigNoz.", registry=registry
        )
        self.clickhouse_query_duration = Histogram(
            "aisher_clickhouse_query_duration_seconds",
            "Time for one ClickHouse query, by query name.",
            ["query"],
            buckets=CLICKHOUSE_LATENCY_BUCKETS,
            registry=registry,
        )
        self.clickhouse_errors = Counter(
            "aisher_clickhouse_errors_total",
            "ClickHouse queries that failed, by kind of failure.",
            ["error_type"],
            registry=registry,
        )
        self.cache_requests = Counter(
            "aisher_cache_requests_total",
            "Answer-cache lookups by the layer that answered (hit, miss), and failed Redis calls.",
            ["layer", "result"],
            registry=registry,
        )
        self.cache_refusals = Counter(
            "aisher_cache_refusals_total",
            "Cached entries found but not served: made by another model or prompt, or unreadable.",
            ["layer", "reason"],
            registry=registry,
        )
        self.llm_requests = Counter(
            "aisher_llm_requests_total",
            "LLM analyses asked of a model, by how they ended.",
            ["model", "status"],
            registry=registry,
        )
        self.llm_analysis_duration = Histogram(
            "aisher_llm_analysis_duration_seconds",
            "Time for one LLM analysis, retries and one correction included.",
            ["model", "status"],
            buckets=LLM_LATENCY_BUCKETS,
            registry=registry,
        )
        self.llm_tokens = Counter(
            "aisher_llm_tokens_total", "LLM tokens used.", ["model", "kind"], registry=registry
        )
        self.llm_cost_usd = Counter(
            "aisher_llm_cost_usd_total",
            "LLM spend in US dollars.",
            ["model", "tenant"],
            registry=registry,
        )
        self.toon_compression_ratio = Gauge(
            "aisher_toon_compression_ratio",
            "Tokens of the last LLM context as TOON over the same document as compact JSON.",
            registry=registry,
        )
        self.budget_remaining_usd = Gauge(
            "aisher_budget_remaining_usd",
            "US dollars of today's LLM budget left, as last read.",
            ["tenant"],
            registry=registry,
        )
        self.budget_refusals = Counter(
            "aisher_budget_refusals_total",
            "LLM analyses refused because the tenant's daily budget is spent.",
            ["tenant"],
            registry=registry,
        )
        self.slack_messages = Counter(
            "aisher_slack_messages_total",
            "Messages posted or updated in Slack, by result.",
            ["kind", "status"],
            registry=registry,
        )
        self.alerts_received = Counter(
            "aisher_alerts_received_total",
            "Alert notifications received (webhook or Alertmanager's Slack posts).",
            ["status"],
            registry=registry,
        )
        self.feedback = Counter(
            "aisher_feedback_total", "Feedback votes on reports.", ["vote"], registry=registry
        )
        _register_runtime_collectors(registry)
        self._initialise_known_labels()

    @contextmanager
    def measure_analysis(self, trigger: str, *, analyzer: str) -> Iterator[AnalysisMeter]:
        """Measure one analysis: in flight while the block runs, its stages and its outcome
        counted when it ends. `analyzer` is the one expected to answer; `meter.answered`
        corrects it."""
        meter = AnalysisMeter()
        meter.analyzer = analyzer
        self.analyses_in_flight.inc()
        ended = "failed"
        try:
            with current_meter(meter):
                yield meter
            ended = meter.outcome or "answered"
        except BaseException as exc:
            ended = "cancelled" if isinstance(exc, asyncio.CancelledError) else "failed"
            raise
        finally:
            self.analyses_in_flight.dec()
            for stage, seconds in meter.split_collection().items():
                self.analysis_duration.labels(stage=known(stage, STAGES)).observe(seconds)
            self.analyses.labels(
                trigger=known(trigger, TRIGGERS),
                analyzer=known(meter.analyzer.split(":", 1)[0], ANALYZERS),
                outcome=known(ended, ANALYSIS_OUTCOMES),
            ).inc()

    def observe_stage(self, stage: str, seconds: float) -> None:
        """One stage measured outside an analysis's meter (posting to Slack)."""
        self.analysis_duration.labels(stage=known(stage, STAGES)).observe(seconds)

    def count_cache(self, layer: CacheLayer, *, hit: bool) -> None:
        """Count one lookup answered (or not) by `layer`."""
        self.cache_requests.labels(layer=layer, result="hit" if hit else "miss").inc()

    def count_cache_error(self, layer: CacheLayer) -> None:
        self.cache_requests.labels(layer=layer, result="error").inc()

    def count_cache_refusal(self, layer: CacheLayer, reason: str) -> None:
        self.cache_refusals.labels(layer=layer, reason=reason).inc()

    def observe_llm_call(
        self,
        model: str,
        *,
        status: str,
        seconds: float,
        tenant: str,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        cost_usd: float = 0.0,
    ) -> None:
        """Record one LLM analysis: how it ended, how long it took, its tokens and its cost."""
        status = known(status, LLM_STATUSES)
        self.llm_requests.labels(model=model, status=status).inc()
        self.llm_analysis_duration.labels(model=model, status=status).observe(seconds)
        self.llm_tokens.labels(model=model, kind="prompt").inc(prompt_tokens)
        self.llm_tokens.labels(model=model, kind="completion").inc(completion_tokens)
        self.llm_cost_usd.labels(model=model, tenant=tenant).inc(cost_usd)

    def observe_toon_ratio(self, ratio: float) -> None:
        self.toon_compression_ratio.set(ratio)

    def set_budget_remaining(self, tenant: str, usd: float) -> None:
        self.budget_remaining_usd.labels(tenant=tenant).set(max(0.0, usd))

    def count_budget_refusal(self, tenant: str) -> None:
        self.budget_refusals.labels(tenant=tenant).inc()

    def observe_clickhouse_query(self, query: str, seconds: float) -> None:
        """Record one ClickHouse query's duration; `query` is a fixed name, never SQL text."""
        self.clickhouse_query_duration.labels(query=query).observe(seconds)

    def count_clickhouse_error(self, error: DataSourceError) -> None:
        self.clickhouse_errors.labels(error_type=clickhouse_error_type(error)).inc()

    def count_errors_fetched(self, spans: int) -> None:
        self.errors_fetched.inc(spans)

    def count_slack_message(self, kind: str, *, ok: bool) -> None:
        self.slack_messages.labels(
            kind=known(kind, SLACK_KINDS), status="ok" if ok else "error"
        ).inc()

    def count_alert(self, status: str) -> None:
        self.alerts_received.labels(status=known(status, ALERT_STATUSES)).inc()

    def count_feedback(self, vote: str) -> None:
        self.feedback.labels(vote=known(vote, VOTES)).inc()

    def _initialise_known_labels(self) -> None:
        # Series that exist from start-up read as 0 rather than "no data", so rates and
        # hit ratios work before the first event.
        for layer in CACHE_LAYERS:
            for result in CACHE_RESULTS:
                self.cache_requests.labels(layer=layer, result=result)
        for error_type in CLICKHOUSE_ERROR_TYPES:
            self.clickhouse_errors.labels(error_type=error_type)
        for kind in SLACK_KINDS:
            for status in SLACK_STATUSES:
                self.slack_messages.labels(kind=kind, status=status)
        for status in ALERT_STATUSES:
            self.alerts_received.labels(status=status)
        for vote in VOTES:
            self.feedback.labels(vote=vote)


def _register_runtime_collectors(registry: CollectorRegistry) -> None:
    """The process and Python collectors prometheus_client registers globally by default."""
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
