"""What litellm says about the configured models, and (on request) one one-token call.

litellm is imported in a worker thread (it takes seconds) after `prepare_process_environment`,
so that it reads its bundled cost map instead of fetching one. The model is looked up in that
cost map and its provider's table; `validate_environment` names the variables the provider
wants (`OPENAI_API_KEY`, `OLLAMA_API_BASE`, …) that are not set.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aisher.analysis.llm.client import load_litellm
from aisher.analysis.llm.provider_errors import describe_provider_error
from aisher.config import LlmSettings
from aisher.ops.checks import (
    CheckResult,
    ModelFacts,
    llm_call_check,
    llm_key_check,
    llm_model_check,
    llm_off_check,
)
from aisher.render.safe_text import one_line
from aisher.runtime import prepare_process_environment

_ERROR_CHARS = 200


async def llm_checks(settings: LlmSettings, *, call: bool, timeout_s: float) -> list[CheckResult]:
    """Model and key checks for the main (and the simple) model; the call check with `call`."""
    if settings.model is None:
        return [llm_off_check()]
    models = [("", settings.model)]
    if settings.simple_model and settings.simple_model != settings.model:
        models.append((" (simple)", settings.simple_model))
    try:
        litellm = await asyncio.to_thread(_load)
    except Exception as exc:  # noqa: BLE001 - a broken install is the finding
        facts = ModelFacts(settings.model, None, False, error=f"cannot import litellm: {exc}")
        return [llm_model_check(facts, api_base=settings.api_base)]
    results: list[CheckResult] = []
    for label, model in models:
        facts = model_facts(litellm, model)
        results.append(llm_model_check(facts, label=label, api_base=settings.api_base))
        results.append(
            llm_key_check(
                facts,
                label=label,
                api_key_set=settings.api_key is not None,
                api_base_set=settings.api_base is not None,
            )
        )
    if call:
        error = await _one_token_call(litellm, settings, timeout_s)
        results.append(llm_call_check(settings.model, error))
    return results


def _load() -> Any:
    prepare_process_environment()
    return load_litellm()


def model_facts(litellm: Any, model: str) -> ModelFacts:
    """What litellm's local tables say about `model` (no network)."""
    try:
        bare, provider, _, _ = litellm.get_llm_provider(model)
    except Exception as exc:  # noqa: BLE001 - litellm raises several kinds for "unknown"
        return ModelFacts(model, None, False, error=_first_sentence(exc))
    cost_map = litellm.model_cost
    known = any(name in cost_map for name in (model, bare, f"{provider}/{bare}"))
    try:
        environment = litellm.validate_environment(model=model)
    except Exception:  # noqa: BLE001 - no verdict on the environment is not a failure
        environment = {}
    missing = tuple(str(name) for name in environment.get("missing_keys") or ())
    return ModelFacts(model, str(provider), known, missing_env=missing)


async def _one_token_call(litellm: Any, settings: LlmSettings, timeout_s: float) -> str | None:
    """None when the model answered a one-token request, else why not (never the key)."""
    request: dict[str, Any] = {
        "model": settings.model,
        "messages": [{"role": "user", "content": "Reply with OK."}],
        "max_tokens": 1,
        "timeout": min(settings.timeout_s, timeout_s),
        "num_retries": 0,
        "drop_params": True,
    }
    if settings.api_base:
        request["api_base"] = settings.api_base
    secret = settings.api_key.get_secret_value() if settings.api_key is not None else ""
    if secret:
        request["api_key"] = secret
    try:
        async with asyncio.timeout(timeout_s + 1):
            await litellm.acompletion(**request)
    except TimeoutError:
        return f"no answer within {timeout_s:g}s"
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return describe_provider_error(exc, timeout_s=timeout_s, secret=secret)
    return None


def _first_sentence(error: BaseException) -> str:
    text = one_line(str(error), _ERROR_CHARS)
    text = text.split(": ", 1)[-1] if text.startswith("litellm.") else text
    return text.split(". ", 1)[0]
