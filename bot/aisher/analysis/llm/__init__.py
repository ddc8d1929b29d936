"""The LLM analysis: masked evidence in, a checked answer out, any provider through litellm.

    LlmAnalyzer     the `Analyzer`: cache, budget, model routing, and the heuristic as fallback
    LlmExplainer    renders the prompt and accepts only answers that cite the evidence
    LlmClient       one chat completion through litellm, retried on transient failures
    PromptLibrary   versioned prompt templates, chosen per channel or tenant

Inside: `compaction` (TOON context under a token budget), `tokens` (offline counting),
`answer_schema` (the JSON the model must give), `provider_errors` (reading litellm's errors).
"""

from aisher.analysis.llm.analyzer import LlmAnalyzer
from aisher.analysis.llm.client import LlmClient
from aisher.analysis.llm.explainer import LlmExplainer
from aisher.analysis.llm.prompts import PromptLibrary

__all__ = ["LlmAnalyzer", "LlmClient", "LlmExplainer", "PromptLibrary"]
