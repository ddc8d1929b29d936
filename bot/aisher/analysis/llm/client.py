"""Chat completions from any provider through litellm: the LLM's I/O edge.

`LlmClient` makes one chat completion, retried on transient provider errors, with litellm's
exceptions translated into `LlmUnavailable`; the caller then answers with the heuristic analyzer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypedDict

from aisher.analysis.llm.provider_errors import (
    describe_provider_error,
    is_retryable_provider_error,
    retry_after_s,
)
from aisher.config import LlmSettings
from aisher.errors import LlmUnavailable
from aisher.retry import RetryPolicy, run_with_retries

log = logging.getLogger(__name__)


class ChatMessage(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


@dataclass(frozen=True, slots=True)
class Completion:
    """What one chat completion returned, with what it cost."""

    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    truncated: bool = False  # the model stopped at the output token limit


def llm_retry_policy(max_retries: int) -> RetryPolicy:
    """`max_retries` retries after waits of 1 s doubling to 20 s; a provider's Retry-After wins,
    up to a minute."""
    return RetryPolicy(retries=max_retries, base_s=1.0, cap_s=20.0, retry_after_cap_s=60.0)


class ChatClient(Protocol):
    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        response_format: Mapping[str, Any] | None = None,
    ) -> Completion:
        """One chat completion; `LlmUnavailable` when the provider cannot answer."""
        ...


class LlmClient:
    """Chat completions through litellm, retried on rate limits, 5xx, timeouts, lost connections.

    Share one client per process: it keeps at most `LlmSettings.concurrency` calls in flight.
    `retry` replaces the policy the settings imply (`llm_retry_policy(settings.max_retries)`);
    `sleep` is the wait between attempts (tests pass one that records instead of waiting).
    """

    def __init__(
        self,
        settings: LlmSettings,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._settings = settings
        self._retry = retry or llm_retry_policy(settings.max_retries)
        self._sleep = sleep
        self._slots = asyncio.Semaphore(settings.concurrency)
        self._litellm: Any = None

    async def complete(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        response_format: Mapping[str, Any] | None = None,
    ) -> Completion:
        """One completion, retried while the provider fails transiently; else `LlmUnavailable`."""
        if self._litellm is None:
            # The first import takes seconds; keep the event loop (and Slack acks) running.
            self._litellm = await asyncio.to_thread(load_litellm)
        litellm = self._litellm
        import openai  # loaded by litellm; every provider error derives from its base error

        request = self._request(messages, model, response_format)
        attempts = 0

        async def call() -> Any:
            nonlocal attempts
            attempts += 1
            async with self._slots:
                return await litellm.acompletion(**request)

        def log_retry(error: Exception, retry: int, delay_s: float) -> None:
            log.warning(
                "LLM %s failed (%s); retry %d of %d in %.2fs",
                model,
                self._describe(error),
                retry,
                self._retry.retries,
                delay_s,
            )

        try:
            response = await run_with_retries(
                call,
                self._retry,
                is_retryable=is_retryable_provider_error,
                retry_after=retry_after_s,
                sleep=self._sleep,
                on_retry=log_retry,
            )
        except openai.OpenAIError as exc:
            tried = f" after {attempts} attempts" if attempts > 1 else ""
            # `from None`: a provider's error can echo the key, and a chained exception would
            # carry it into every traceback that logs this one.
            raise LlmUnavailable(f"LLM {model} failed{tried}: {self._describe(exc)}") from None
        return read_completion(litellm, response)

    def _request(
        self,
        messages: Sequence[ChatMessage],
        model: str,
        response_format: Mapping[str, Any] | None,
    ) -> dict[str, Any]:
        settings = self._settings
        request: dict[str, Any] = {
            "model": model,
            "messages": [dict(message) for message in messages],
            "timeout": settings.timeout_s,
            "max_tokens": settings.max_output_tokens,
            "temperature": 0,
            "num_retries": 0,  # our own loop retries, with backoff and logging
            # Models that reject a parameter (temperature on reasoning models, response_format on
            # providers without structured output) then run without it; parse_answer still checks.
            "drop_params": True,
        }
        if response_format is not None:
            request["response_format"] = dict(response_format)
        if settings.api_base:
            request["api_base"] = settings.api_base
        if settings.api_key is not None:
            request["api_key"] = settings.api_key.get_secret_value()
        return request

    def _describe(self, exc: Exception) -> str:
        secret = self._settings.api_key.get_secret_value() if self._settings.api_key else ""
        return describe_provider_error(exc, timeout_s=self._settings.timeout_s, secret=secret)


def load_litellm() -> Any:
    """Import litellm and set the process-wide switches Aisher relies on."""
    import litellm

    # litellm's default aiohttp transport bypasses httpx; the tests mock the provider's HTTP with
    # respx, which patches httpx, so production and tests must share the httpx path.
    litellm.disable_aiohttp_transport = True
    # Otherwise every provider error also prints a "Give Feedback / Get Help" banner to stdout.
    litellm.suppress_debug_info = True
    return litellm


def read_completion(litellm: Any, response: Any) -> Completion:
    """Text, token counts and cost of a litellm `ModelResponse`."""
    choice = response.choices[0] if response.choices else None
    usage = getattr(response, "usage", None)
    return Completion(
        text=(choice.message.content or "") if choice is not None else "",
        prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
        completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
        cost_usd=_completion_cost(litellm, response),
        truncated=choice is not None and choice.finish_reason == "length",
    )


def _completion_cost(litellm: Any, response: Any) -> float:
    # litellm signals a model missing from its cost map with bare `Exception`s of several kinds;
    # an unknown price must never fail an analysis.
    try:
        return float(litellm.completion_cost(completion_response=response) or 0.0)
    except Exception:  # noqa: BLE001
        return 0.0


def estimate_cost(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """Dollars for a call of this size from litellm's local cost map; 0.0 for unknown models.

    Imports litellm on first use, which takes seconds; call it off the event loop if it may be
    the first use.
    """
    litellm = load_litellm()
    try:  # unknown models raise bare `Exception`s, as in _completion_cost
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
        )
    except Exception:  # noqa: BLE001
        return 0.0
    return float(prompt_cost) + float(completion_cost)
