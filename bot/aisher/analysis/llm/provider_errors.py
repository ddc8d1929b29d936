"""Reading the errors litellm raises: which are worth retrying, how long the provider asked us to
wait, and a one-line reason that is safe to show and log (providers echo keys in their 401s).

litellm's provider errors all derive from the OpenAI SDK's exception classes, so these helpers
read them through that (typed) hierarchy. The SDK takes a second to import; by the time one of
these runs, litellm has imported it already.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({408, 409, 429})
MAX_DETAIL_CHARS = 200
_KEY_LIKE = re.compile(r"\b(sk|pk|key|xox[abp])-[A-Za-z0-9*_.-]{3,}")


def is_retryable_provider_error(exc: Exception) -> bool:
    """Whether retrying can help: rate limits, server errors, timeouts and lost connections."""
    import openai

    if isinstance(exc, openai.APIConnectionError):  # timeouts derive from it too
        return True
    status = getattr(exc, "status_code", None)
    return (
        isinstance(exc, openai.OpenAIError)
        and isinstance(status, int)
        and (status in RETRYABLE_STATUSES or status >= 500)
    )


def retry_after_s(exc: Exception) -> float | None:
    """The wait the provider asked for (`retry-after-ms` or `Retry-After`), if it sent one."""
    headers = _headers(exc)
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return float(value)
        except ValueError:
            return parsedate_to_datetime(value).timestamp() - time.time()
    except (ValueError, TypeError):
        return None


def _headers(exc: Exception) -> dict[str, str]:
    # litellm keeps the provider's response headers on `exc.response`; some errors carry
    # their own `headers` too.
    sources = (getattr(getattr(exc, "response", None), "headers", None), vars(exc).get("headers"))
    headers: dict[str, str] = {}
    for source in sources:
        if isinstance(source, Mapping):
            headers.update((str(key).lower(), str(value)) for key, value in source.items())
    return headers


def describe_provider_error(exc: Exception, *, timeout_s: float, secret: str = "") -> str:
    """One line on why a call failed, with no key material in it."""
    import openai

    status = getattr(exc, "status_code", None)
    if isinstance(exc, openai.APITimeoutError):
        return f"timed out after {timeout_s:g}s"
    if status in (401, 403):
        return f"HTTP {status}: the provider refused the credentials (check AISHER_LLM_API_KEY)"
    lines = str(exc).strip().splitlines()
    # litellm prefixes messages with "litellm.X: X: OpenAIException - "; keep the provider's part.
    detail = lines[0].split(" - ", 1)[-1] if lines else ""
    if secret:
        detail = detail.replace(secret, "***")
    detail = _KEY_LIKE.sub(r"\1-***", detail)[:MAX_DETAIL_CHARS]
    name = type(exc).__name__
    prefix = f"HTTP {status} " if isinstance(status, int) else ""
    return f"{prefix}{name}: {detail}" if detail else f"{prefix}{name}"
