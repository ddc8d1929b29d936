"""Cache hit rate when an alert storm is replayed (target ≥ 0.8), with a stand-in LLM.

Incidents are generated and loaded; then alerts arrive the way Alertmanager sends them: each
firing group repeats every minute, alerts fire on the entry service and on the services in
between, and windows end a minute later each time. Every alert runs the real engine
(queries, evidence, masking, cache key, cache); only the provider call is replaced by a local
stand-in that answers with the top suspect and counts calls. A second pass with another model
checks that no answer of the first model is ever served to it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.engine import AnalysisEngine
from aisher.analysis.evidence.collector import EvidenceCollector
from aisher.analysis.llm.analyzer import LlmAnalyzer
from aisher.analysis.llm.client import ChatMessage, Completion
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary
from aisher.analysis.request import AnalysisRequest
from aisher.bench.results import BenchResult
from aisher.bench.stores import drop_dataset, load_dataset
from aisher.config import BudgetSettings, CacheSettings, LlmSettings, PromptSettings
from aisher.demo import generate_scenario, scenario_suite
from aisher.errors import UnknownServiceError
from aisher.signoz.executor import QueryExecutor
from aisher.window import TimeWindow

HIT_RATE_TARGET = 0.8
_ID = "[0-9a-f]{16,32}"


class StandInProvider:
    """Answers like a careful model: names the top ranked suspect and cites its evidence."""

    def __init__(self) -> None:
        self.calls = 0

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        response_format: Any = None,
    ) -> Completion:
        self.calls += 1
        user = messages[1]["content"]
        first = next(line for line in user.splitlines() if line.startswith("1. "))
        service = first[3:].split(" ", 1)[0].rstrip(":")
        refs = [part.strip(" ,") for part in first.split("evidence:", 1)[1].split(",")][:2]
        answer = {
            "root_cause": {"service": service, "operation": "", "exception_type": "",
                           "summary": f"{service} is where the failures start.",
                           "evidence": [ref for ref in refs if ref]},
            "alternatives": [],
            "remediation": [f"Investigate {service}."],
        }  # fmt: skip
        return Completion(json.dumps(answer), 2000, 150, 0.0012, False)


def alert_windows(window: TimeWindow, repeats: int) -> list[TimeWindow]:
    """Windows of the alert's length ending one minute apart, the last at the incident's end."""
    step = timedelta(minutes=1)
    return [
        TimeWindow(
            start=window.start - step * (repeats - 1 - i), end=window.end - step * (repeats - 1 - i)
        )
        for i in range(repeats)
    ]


async def bench_storm(
    executor: QueryExecutor, *, incidents: int, repeats: int, redis_url: str | None
) -> BenchResult:
    result = BenchResult("alert_storm_cache")
    provider = StandInProvider()
    prompts = PromptLibrary(PromptSettings())
    cache = AnswerCache(CacheSettings(redis_url=redis_url, ttl_s=3600, local_entries=4096))
    budget = BudgetLedger(BudgetSettings(redis_url=None, daily_usd=1000.0))
    served_by_other_model = 0
    alerts = 0
    started = time.perf_counter()
    datasets = []
    try:
        for spec in scenario_suite(count=incidents, seed=9):
            scenario = generate_scenario(spec, now_ns=time.time_ns())
            dataset = await load_dataset(executor, scenario.otlp_lines, prefix="storm")
            datasets.append(dataset)
            collector = EvidenceCollector(dataset.repository, max_traces=500, max_logs=20)
            truth = scenario.truth
            alerting = _alerting_services(
                scenario.entry_service, truth.caller_service or truth.root_cause_service
            )
            for model in ("openai/gpt-4o-mini", "anthropic/claude-3-5-haiku-20241022"):
                settings = LlmSettings(model=model, max_retries=0)
                engine = AnalysisEngine(
                    collector,
                    LlmAnalyzer(settings, prompts=prompts, llm=LlmExplainer(provider),
                                cache=cache, budget=budget),
                )  # fmt: skip
                for window in alert_windows(scenario.window, repeats):
                    for service in alerting:
                        try:
                            report = await engine.analyze(AnalysisRequest(service, window))
                        except UnknownServiceError:
                            continue  # an uninstrumented dependency has no spans to alert on
                        alerts += 1
                        if report.cached and report.analyzer != f"llm:{model}":
                            served_by_other_model += 1
    finally:
        for dataset in datasets:
            await drop_dataset(executor, dataset)
        await cache.close()
        await budget.close()
    stats = cache.stats
    lookups = stats.hits + stats.misses
    result.add("cache hit rate, alert storm replay", stats.hits / lookups if lookups else 0.0,
               "ratio", target=HIT_RATE_TARGET, higher_is_better=True)  # fmt: skip
    result.add("answers served to a model that did not make them", served_by_other_model,
               "count", target=0)  # fmt: skip
    result.details.update(
        incidents=incidents, alerts=alerts, llm_calls=provider.calls, hits=stats.hits,
        misses=stats.misses, cache="redis" if redis_url else "in-process",
        seconds=round(time.perf_counter() - started, 1),
    )  # fmt: skip
    return result


def _alerting_services(entry: str, culprit: str | None) -> list[str]:
    """Alerts fire on the entry service and on the failing service (or the caller of a failing
    dependency), whose own error-rate alert goes off too."""
    return list(dict.fromkeys(name for name in (entry, culprit) if name))
