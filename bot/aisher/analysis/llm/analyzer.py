"""The LLM-backed analyzer: cache first, then budget, then the model — and the heuristic
answer, with a note saying why, whenever the LLM cannot or may not answer.

    evidence ─► model routing ─► cache hit? ─► TOON context ─► token & cost estimate
             ─► budget check ─► LLM (schema + citations validated) ─► record cost ─► cache
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Callable

import toon_format

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
from aisher.errors import AnalyzerError, AnswerRejected
from aisher.ops.analysis_meter import add_stage, note_outcome
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


def prompt_sha256(prompt: PromptTemplate, evidence: Evidence, context: str) -> str:
    """The sha256 of the (masked) prompt as first sent, for the audit log."""
    rendered = prompt.render(prompt_variables(evidence, context))
    return hashlib.sha256(f"{rendered.system}\n{rendered.user}".encode()).hexdigest()


def toon_compression_ratio(context: CompactContext) -> float | None:
    """Tokens of the TOON context over tokens of the same document as compact JSON."""
    try:
        document = toon_format.loads(context.text)
    except toon_format.ToonDecodeError:
        return None
    as_json = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    json_tokens = count_tokens(as_json)
    return context.tokens / json_tokens if json_tokens else None


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
                note_outcome("cached")
                return cached.served()

        # Off the event loop: compaction is CPU work, and the first token count and cost estimate
        # load tiktoken's tables and import litellm, which takes seconds.
        context, estimate, sha = await asyncio.to_thread(self._prepare, evidence, prompt, model)
        decision = await self._budget.check(request.tenant, estimate)
        if not decision.allowed:
            return self._heuristic(evidence, "fallback", (decision.reason,))

        started = time.perf_counter()
        try:
            answer = await self._llm.explain(
                evidence, context=context.text, prompt=prompt, model=model
            )
        except AnalyzerError as exc:
            status = "rejected" if isinstance(exc, AnswerRejected) else "unavailable"
            self._observe_call(model, request, status, started)
            log.warning("LLM analysis with %s failed: %s", model, exc)
            note = f"the LLM analysis failed ({exc}); this is the heuristic answer"
            return self._heuristic(evidence, "fallback", (note,), prompt.version, sha)
        await self._budget.record(request.tenant, answer.cost_usd)
        self._observe_call(model, request, "ok", started, answer)
        if context.dropped:
            trimmed = ", ".join(f"{count} {section}" for section, count in context.dropped.items())
            note = f"evidence trimmed to {context.tokens} tokens for the LLM (left out: {trimmed})"
            answer = answer.with_notes(note)
        answer = answer.model_copy(update={"prompt_version": prompt.version, "prompt_sha256": sha})
        await self._cache.put(key, answer, model=model, prompt_version=prompt.version)
        note_outcome("answered")
        return answer

    def _prepare(
        self, evidence: Evidence, prompt: PromptTemplate, model: str
    ) -> tuple[CompactContext, float, str]:
        """The TOON context under the token budget, the call's estimated cost in dollars, and
        the prompt's sha256."""
        context = self._compact(evidence, budget_tokens=self._settings.context_token_budget)
        prompt_tokens = estimate_prompt_tokens(prompt, evidence, context.text)
        ratio = toon_compression_ratio(context)
        if ratio is not None:
            self._metrics.observe_toon_ratio(ratio)
        cost = estimate_cost(model, prompt_tokens, self._settings.max_output_tokens)
        return context, cost, prompt_sha256(prompt, evidence, context.text)

    def _observe_call(
        self,
        model: str,
        request: AnalysisRequest,
        status: str,
        started: float,
        answer: Answer | None = None,
    ) -> None:
        seconds = time.perf_counter() - started
        add_stage("llm", seconds)
        self._metrics.observe_llm_call(
            model,
            status=status,
            seconds=seconds,
            tenant=request.tenant,
            prompt_tokens=answer.tokens.prompt if answer else 0,
            completion_tokens=answer.tokens.completion if answer else 0,
            cost_usd=answer.cost_usd if answer else 0.0,
        )

    def _heuristic(
        self,
        evidence: Evidence,
        outcome: str,
        notes: tuple[str, ...],
        prompt_version: str | None = None,
        sha: str | None = None,
    ) -> Answer:
        answer = explain(evidence).with_notes(*notes)
        answer = answer.model_copy(update={"prompt_version": prompt_version, "prompt_sha256": sha})
        note_outcome(outcome)
        return answer
