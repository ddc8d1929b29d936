"""The LLM-backed analyzer: cache first, then budget, then the model — and the heuristic
answer, with a note saying why, whenever the LLM cannot or may not answer.

    evidence ─► model routing ─► cache hit? ─► TOON context ─► token & cost estimate
             ─► budget check ─► LLM (schema + citations validated) ─► record cost ─► cache
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.cache.key import answer_cache_key
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.ranking import MIN_FAILING_TRACES
from aisher.analysis.heuristic import explain
from aisher.analysis.llm.client import estimate_cost
from aisher.analysis.llm.compaction import CompactContext, compact_evidence
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary, PromptTemplate, prompt_variables
from aisher.analysis.llm.tokens import count_tokens
from aisher.analysis.masking.masker import MASKING_VERSION
from aisher.analysis.report import Answer
from aisher.analysis.request import AnalysisRequest
from aisher.config import LlmSettings
from aisher.errors import AnalyzerError
from aisher.ops.metrics import AisherMetrics

log = logging.getLogger(__name__)


def is_simple(evidence: Evidence) -> bool:
    """One way of failing in one place: a cheaper model is enough."""
    origin_groups = [group for group in evidence.groups if group.origin_count]
    causes = {suspect.service for suspect in evidence.suspects if not suspect.symptom}
    return len(origin_groups) <= 1 and len(causes) <= 1


def estimate_prompt_tokens(prompt: PromptTemplate, evidence: Evidence, context: str) -> int:
    rendered = prompt.render(prompt_variables(evidence, context))
    return count_tokens(rendered.system) + count_tokens(rendered.user)


class LlmAnalyzer:
    """An `Analyzer` that asks an LLM when one is configured, affordable and useful."""

    def __init__(
        self,
        settings: LlmSettings,
        *,
        prompts: PromptLibrary,
        llm: LlmExplainer,
        cache: AnswerCache,
        budget: BudgetLedger,
        metrics: AisherMetrics | None = None,
        compact: Callable[..., CompactContext] = compact_evidence,
    ) -> None:
        self._settings = settings
        self._prompts = prompts
        self._llm = llm
        self._cache = cache
        self._budget = budget
        self._metrics = metrics or AisherMetrics()
        self._compact = compact

    async def answer(self, evidence: Evidence, request: AnalysisRequest) -> Answer:
        model = self._settings.model_for(simple=is_simple(evidence))
        if model is None:
            return self._heuristic(evidence, "answered", ())
        if evidence.failing_traces < MIN_FAILING_TRACES:
            note = "too few failing traces for an LLM analysis; the heuristic answered"
            return self._heuristic(evidence, "answered", (note,))
        prompt = self._prompts.select(channel=request.channel, tenant=request.tenant)
        key = answer_cache_key(
            evidence, model=model, prompt_version=prompt.version, masking_version=MASKING_VERSION
        )
        if request.refresh:
            await self._cache.invalidate(key)
        else:
            cached = await self._cache.get(key, model=model, prompt_version=prompt.version)
            if cached is not None:
                self._count(f"llm:{model}", "cached")
                return cached.served()

        # Off the event loop: compaction is CPU work, and the first token count and cost estimate
        # load tiktoken's tables and import litellm, which takes seconds.
        context, estimate = await asyncio.to_thread(self._prepare, evidence, prompt, model)
        decision = await self._budget.check(request.tenant, estimate)
        if not decision.allowed:
            return self._heuristic(evidence, "fallback", (decision.reason,))

        started = time.perf_counter()
        try:
            answer = await self._llm.explain(
                evidence, context=context.text, prompt=prompt, model=model
            )
        except AnalyzerError as exc:
            log.warning("LLM analysis with %s failed: %s", model, exc)
            note = f"the LLM analysis failed ({exc}); this is the heuristic answer"
            return self._heuristic(evidence, "fallback", (note,), prompt.version)
        await self._budget.record(request.tenant, answer.cost_usd)
        self._metrics.observe_llm_call(
            model,
            prompt_tokens=answer.tokens.prompt,
            completion_tokens=answer.tokens.completion,
            cost_usd=answer.cost_usd,
            latency_s=time.perf_counter() - started,
        )
        if context.dropped:
            trimmed = ", ".join(f"{count} {section}" for section, count in context.dropped.items())
            note = f"evidence trimmed to {context.tokens} tokens for the LLM (left out: {trimmed})"
            answer = answer.with_notes(note)
        answer = answer.model_copy(update={"prompt_version": prompt.version})
        await self._cache.put(key, answer, model=model, prompt_version=prompt.version)
        self._count(answer.analyzer, "answered")
        return answer

    def _prepare(
        self, evidence: Evidence, prompt: PromptTemplate, model: str
    ) -> tuple[CompactContext, float]:
        """The TOON context under the token budget, and the call's estimated cost in dollars."""
        context = self._compact(evidence, budget_tokens=self._settings.context_token_budget)
        prompt_tokens = estimate_prompt_tokens(prompt, evidence, context.text)
        return context, estimate_cost(model, prompt_tokens, self._settings.max_output_tokens)

    def _heuristic(
        self,
        evidence: Evidence,
        outcome: str,
        notes: tuple[str, ...],
        prompt_version: str | None = None,
    ) -> Answer:
        answer = explain(evidence).with_notes(*notes)
        answer = answer.model_copy(update={"prompt_version": prompt_version})
        self._count(answer.analyzer, outcome)
        return answer

    def _count(self, analyzer: str, outcome: str) -> None:
        self._metrics.count_analysis(analyzer, outcome)
