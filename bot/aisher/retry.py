"""Retrying a remote call that failed for a reason another attempt could cure.

One policy for every remote call Aisher makes (ClickHouse, the LLM provider, Slack, webhooks),
in the spirit of urllib3's `Retry`: a frozen `RetryPolicy` says how often to retry and how long
to wait, and `run_with_retries` runs an operation under it. Each caller says which failures are
worth another attempt and how long the server asked it to wait; the waits are capped
exponential backoff, optionally jittered, unless the server asked for a wait of its own.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

_T = TypeVar("_T")

# Called before each wait with the failure, the number of the coming retry (1-based) and the
# wait in seconds; callers log there.
OnRetry = Callable[[Exception, int, float], None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to retry after the first attempt, and how long to wait before each retry.

    The wait before retry `n` (0-based) is `min(cap_s, base_s · 2ⁿ)`, of which the share
    `jitter` is drawn at random so that replicas failing together do not retry in step. A wait
    the server requested (Retry-After) replaces it, up to `retry_after_cap_s`.
    """

    retries: int = 3
    base_s: float = 1.0
    cap_s: float = 20.0
    jitter: float = 0.0
    retry_after_cap_s: float = 60.0

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("RetryPolicy.retries must be 0 or more")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError("RetryPolicy.jitter is a share of the wait, between 0 and 1")

    def delay(self, retry: int, requested_s: float | None = None) -> float:
        """Seconds to wait before retry number `retry` (0-based)."""
        if requested_s is not None:
            return max(0.0, min(requested_s, self.retry_after_cap_s))
        ceiling = min(self.cap_s, self.base_s * 2.0**retry)
        return ceiling * (1.0 - self.jitter * random.random())  # noqa: S311 - jitter, not security


NO_RETRIES = RetryPolicy(retries=0)


async def run_with_retries(
    operation: Callable[[], Awaitable[_T]],
    policy: RetryPolicy,
    *,
    is_retryable: Callable[[Exception], bool],
    retry_after: Callable[[Exception], float | None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    on_retry: OnRetry | None = None,
) -> _T:
    """The result of `operation`, called again after each retryable failure until `policy` is
    spent; the last failure, or the first one that is not retryable, propagates unchanged.

    `retry_after` reads the wait a server requested from a failure (None when it asked for
    none); `sleep` does the waiting (tests pass one that records instead).
    """
    retry = 0
    while True:
        try:
            return await operation()
        except Exception as exc:
            if retry >= policy.retries or not is_retryable(exc):
                raise
            delay = policy.delay(retry, retry_after(exc) if retry_after is not None else None)
            retry += 1
            if on_retry is not None:
                on_retry(exc, retry, delay)
            await sleep(delay)
