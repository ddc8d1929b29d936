"""One real call to the configured LLM provider; skipped unless a model and a key are set.

Run with `AISHER_LLM_MODEL=openai/gpt-4o-mini OPENAI_API_KEY=… pytest -m live_llm`
(or `AISHER_LLM_API_KEY`, plus `AISHER_LLM_API_BASE` for an OpenAI-compatible endpoint).
"""

from __future__ import annotations

import os

import pytest

from aisher.analysis.llm.client import LlmClient, load_litellm
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary
from aisher.config import PromptSettings, Settings
from aisher.runtime import prepare_process_environment
from tests.support.fake_llm import incident_context, incident_evidence

MODEL = os.environ.get("AISHER_LLM_MODEL", "")

pytestmark = [
    pytest.mark.live_llm,
    pytest.mark.skipif(not MODEL, reason="set AISHER_LLM_MODEL (and a key) to call a real LLM"),
]


def missing_key_reason(model: str) -> str | None:
    """Why the provider cannot be called (no key in the environment), or None when it can."""
    if os.environ.get("AISHER_LLM_API_KEY"):
        return None
    # litellm knows which variable each provider reads (OPENAI_API_KEY, ANTHROPIC_API_KEY, …).
    environment = load_litellm().validate_environment(model=model)
    if environment.get("keys_in_environment"):
        return None
    missing = ", ".join(environment.get("missing_keys") or []) or "a provider key"
    return f"set AISHER_LLM_API_KEY or {missing} to call {model}"


class TestLiveLlm:
    async def test_real_answer_validates(self) -> None:
        """The configured model answers a small real evidence bundle with a valid, cited answer."""
        prepare_process_environment()
        reason = missing_key_reason(MODEL)
        if reason:
            pytest.skip(reason)
        evidence = incident_evidence()
        analyzer = LlmExplainer(LlmClient(Settings().llm))
        answer = await analyzer.explain(
            evidence,
            context=incident_context(evidence),
            prompt=PromptLibrary(PromptSettings()).load("rca"),
            model=MODEL,
        )
        assert answer.analyzer == f"llm:{MODEL}"
        assert answer.root_cause.summary
        assert answer.citations
        known = evidence.known_ids()
        assert all(ref.split(":", 1)[-1] in known for ref in answer.citations)
        assert answer.tokens.prompt > 0
