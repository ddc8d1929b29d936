"""Wire the objects of one Aisher process together from its settings (the one place that does)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.engine import AnalysisEngine, Analyzer, HeuristicAnalyzer
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
    executor: QueryExecutor
    repository: SignozRepository
    engine: AnalysisEngine
    metrics: AisherMetrics
    registry: CollectorRegistry


@asynccontextmanager
async def open_runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """Everything an analysis needs, closed again on exit."""
    registry = CollectorRegistry()
    metrics = AisherMetrics(registry)
    async with AsyncExitStack() as stack:
        clickhouse = settings.clickhouse()
        executor = await open_store(clickhouse)
        stack.push_async_callback(executor.close)
        schema = await probe_schema(executor, clickhouse.traces_database, clickhouse.logs_database)
        limits = settings.query_limits()
        repository = SignozRepository(executor, schema, limits, metrics=metrics)
        collector = EvidenceCollector(
            repository,
            max_traces=limits.max_traces,
            max_logs=limits.max_logs,
            with_llm_context=settings.llm().model is not None,
        )
        analyzer = await _open_analyzer(settings, metrics, stack)
        engine = AnalysisEngine(collector, analyzer, signoz_url=settings.signoz_url)
        yield Runtime(executor, repository, engine, metrics, registry)


async def _open_analyzer(
    settings: Settings, metrics: AisherMetrics, stack: AsyncExitStack
) -> Analyzer:
    """The LLM pipeline when a model is configured, else the heuristic analyzer alone."""
    llm_settings = settings.llm()
    if llm_settings.model is None:
        return HeuristicAnalyzer()
    prompts = PromptLibrary(settings.prompts())
    prompts.check()  # a typo in a template name fails now, not in the middle of an incident
    cache = AnswerCache(settings.cache(), metrics=metrics)
    stack.push_async_callback(cache.close)
    budget = BudgetLedger(settings.budget(), metrics=metrics)
    stack.push_async_callback(budget.close)
    return LlmAnalyzer(
        llm_settings,
        prompts=prompts,
        llm=LlmExplainer(LlmClient(llm_settings)),
        cache=cache,
        budget=budget,
        metrics=metrics,
    )
