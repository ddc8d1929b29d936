"""State shared by every replica through Redis, with in-process fallbacks: answers and budgets.

AnswerCache     LLM answers keyed by what makes two analyses alike
BudgetLedger    per-tenant daily LLM spend
answer_cache_key  the key: error groups, suspects, model, prompt and masking versions
"""

from aisher.analysis.cache.answer_cache import AnswerCache
from aisher.analysis.cache.budget import BudgetLedger
from aisher.analysis.cache.entry import CachedAnswer
from aisher.analysis.cache.key import answer_cache_key

__all__ = ["AnswerCache", "BudgetLedger", "CachedAnswer", "answer_cache_key"]
