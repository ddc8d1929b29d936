"""Wire the objects of one Aisher process together from its settings (the one place that does)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.engine import AnalysisAudit, AnalysisEngine, Analyzer
from aisher.analysis.evidence.collector import EvidenceCollector
from aisher.analysis.llm.analyzer import LlmAnalyzer
from aisher.analysis.llm.client import LlmClient
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary
from aisher.config import Settings
from aisher.ops.metrics import AisherMetrics
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.probe import probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.signoz.store import open_store


def prepare_process_environment() -> None:
    """Process-wide defaults set before any library reads them (never at import time).

    litellm fetches its model cost map from the network at import unless told not to, and its
    default aiohttp transport bypasses httpx; Aisher runs offline by default and sends provider
    traffic through httpx (which the tests mock). A user can still override either variable.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("DISABLE_AIOHTTP_TRANSPORT", "True")


@dataclass(frozen=True, slots=True)
class Runtime:
    """One process's analysis engine, and the parts a status report reads."""

    engine: AnalysisEngine
    clickhouse: QueryExecutor  # `ping()` says whether SigNoz's ClickHouse answers
    llm_model: str | None  # None: the heuristic answers alone
    answer_cache: AnswerCache | None  # `stats` counts hits; None without a model
    budget_ledger: BudgetLedger | None  # `spent(tenant)` is today's spend; None without a model
    metrics_registry: CollectorRegistry  # what a /metrics endpoint serves
    metrics: AisherMetrics  # for the front ends to count what they do


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, audit: AnalysisAudit | None = None
) -> AsyncIterator[Runtime]:
    """Everything an analysis needs, closed again on exit; `audit` records each analysis."""
    registry = CollectorRegistry()
    metrics = AisherMetrics(registry)
    llm = settings.llm
    async with AsyncExitStack() as stack:
        executor = await open_store(settings.clickhouse)
        stack.push_async_callback(executor.close)
        collector = await _open_collector(executor, settings, metrics)
        analyzer: Analyzer | None = None  # the heuristic answers without a model
        cache: AnswerCache | None = None
        budget: BudgetLedger | None = None
        if llm.model is not None:
            prompts = PromptLibrary(settings.prompts)
            prompts.check()  # a typo in a template name fails now, not in the middle of an incident
            cache = AnswerCache(settings.cache, metrics=metrics)
            stack.push_async_callback(cache.close)
            budget = BudgetLedger(settings.budget, metrics=metrics)
            stack.push_async_callback(budget.close)
            analyzer = LlmAnalyzer(
                llm,
                prompts=prompts,
                llm=LlmExplainer(LlmClient(llm)),
                cache=cache,
                budget=budget,
                metrics=metrics,
            )
        yield Runtime(
            engine=AnalysisEngine(
                collector, analyzer, signoz_url=settings.signoz_url, metrics=metrics, audit=audit
            ),
            clickhouse=executor,
            llm_model=llm.model,
            answer_cache=cache,
            budget_ledger=budget,
            metrics_registry=registry,
            metrics=metrics,
        )


async def _open_collector(
    executor: QueryExecutor, settings: Settings, metrics: AisherMetrics
) -> EvidenceCollector:
    """The evidence collector over SigNoz's tables as this ClickHouse lays them out."""
    clickhouse, limits = settings.clickhouse, settings.limits
    schema = await probe_schema(executor, clickhouse.traces_database, clickhouse.logs_database)
    return EvidenceCollector(
        SignozRepository(executor, schema, limits, metrics=metrics),
        max_traces=limits.max_traces,
        max_logs=limits.max_logs,
        with_llm_context=settings.llm.model is not None,
    )
