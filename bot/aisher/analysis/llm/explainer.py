"""Ask the model to explain the evidence, and accept only an answer grounded in the evidence:
it cites ids the evidence holds, and names services and operations the evidence holds.

`LlmExplainer` renders the prompt, validates the answer against the evidence and gives the model
one chance to correct a rejected answer; `LlmClient` (in `client.py`) does the provider I/O.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from aisher.analysis.evidence.model import Evidence
from aisher.analysis.llm.answer_schema import KnownNames, answer_response_format, parse_answer
from aisher.analysis.llm.client import ChatClient, ChatMessage, Completion
from aisher.analysis.llm.prompts import PromptTemplate, prompt_variables
from aisher.analysis.report import Answer, TokenUsage
from aisher.errors import AnswerRejected

log = logging.getLogger(__name__)

EMPTY_ANSWER = "(empty answer)"


class LlmExplainer:
    """Explains evidence with an LLM and accepts only answers that cite ids and name services
    and operations of the evidence itself.

    `LlmUnavailable` (the provider failed) and `AnswerRejected` (two unusable answers) both tell
    the caller to answer with the heuristic analyzer instead.
    """

    def __init__(self, client: ChatClient) -> None:
        self._client = client

    async def explain(
        self, evidence: Evidence, *, context: str, prompt: PromptTemplate, model: str
    ) -> Answer:
        """The model's answer for the evidence, whose TOON rendering is `context`."""
        rendered = prompt.render(prompt_variables(evidence, context))
        messages: list[ChatMessage] = [
            {"role": "system", "content": rendered.system},
            {"role": "user", "content": rendered.user},
        ]
        known = (evidence.known_ids(), KnownNames.of(evidence))
        first = await self._ask(messages, model)
        try:
            return _accept(first, known, model, spent=(first,))
        except AnswerRejected as exc:
            reason = _rejection(exc, first)
        log.info("LLM %s answer rejected, asking once more: %s", model, reason)
        messages += [
            {"role": "assistant", "content": first.text.strip() or EMPTY_ANSWER},
            {"role": "user", "content": prompt.follow_up(reason)},
        ]
        second = await self._ask(messages, model)
        try:
            return _accept(second, known, model, spent=(first, second))
        except AnswerRejected as exc:
            raise AnswerRejected(
                f"LLM {model} gave no usable answer in two attempts: {_rejection(exc, second)}"
            ) from exc

    async def _ask(self, messages: Sequence[ChatMessage], model: str) -> Completion:
        return await self._client.complete(
            messages, model=model, response_format=answer_response_format()
        )


def _accept(
    completion: Completion,
    known: tuple[frozenset[str], KnownNames],
    model: str,
    *,
    spent: tuple[Completion, ...],
) -> Answer:
    parsed = parse_answer(completion.text, *known)
    tokens = TokenUsage(
        prompt=sum(item.prompt_tokens for item in spent),
        completion=sum(item.completion_tokens for item in spent),
    )
    cost = sum(item.cost_usd for item in spent)
    return parsed.to_answer(model=model, tokens=tokens, cost_usd=cost)


def _rejection(exc: AnswerRejected, completion: Completion) -> str:
    reason = str(exc)
    if completion.truncated:
        reason += " (the answer was cut off at the output token limit; answer more briefly)"
    return reason
