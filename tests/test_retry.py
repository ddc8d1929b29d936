"""The retry policy every remote call shares: waits, Retry-After, and when to give up."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from aisher.retry import NO_RETRIES, RetryPolicy, run_with_retries


class RecordingSleep:
    """A stand-in for asyncio.sleep that remembers the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Busy(Exception):
    """A failure another attempt could cure; may carry the wait the server asked for."""

    def __init__(self, retry_after_s: float | None = None) -> None:
        super().__init__("busy")
        self.retry_after_s = retry_after_s


class Refused(Exception):
    """A failure no retry cures."""


def failing(*failures: Exception, result: str = "ok") -> Callable[[], Awaitable[str]]:
    """An operation that raises `failures` in turn, then returns `result`; counts its calls."""
    remaining = list(failures)

    async def operation() -> str:
        operation.calls += 1  # type: ignore[attr-defined]
        if remaining:
            raise remaining.pop(0)
        return result

    operation.calls = 0  # type: ignore[attr-defined]
    return operation


def is_busy(exc: Exception) -> bool:
    return isinstance(exc, Busy)


def requested_wait(exc: Exception) -> float | None:
    return exc.retry_after_s if isinstance(exc, Busy) else None


class TestRetryPolicy:
    def test_doubles_up_to_the_cap(self) -> None:
        """Without jitter, waits double from the base and stop growing at the cap."""
        policy = RetryPolicy(base_s=1.0, cap_s=5.0)
        assert [policy.delay(retry) for retry in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]

    @pytest.mark.parametrize("retry", range(6))
    def test_jitter_draws_a_share_of_the_wait(self, retry: int) -> None:
        """With jitter 0.5 each wait lies between half and all of the unjittered one."""
        policy = RetryPolicy(base_s=0.25, cap_s=4.0, jitter=0.5)
        ceiling = min(4.0, 0.25 * 2**retry)
        waits = {policy.delay(retry) for _ in range(50)}
        assert all(ceiling / 2 <= wait <= ceiling for wait in waits)
        assert len(waits) > 1

    def test_requested_wait_wins_but_is_capped(self) -> None:
        """A server's Retry-After replaces the backoff, up to the Retry-After cap."""
        policy = RetryPolicy(base_s=1.0, cap_s=5.0, jitter=1.0, retry_after_cap_s=30.0)
        assert policy.delay(0, 12.0) == 12.0
        assert policy.delay(0, 3600.0) == 30.0

    def test_requested_wait_in_the_past_means_now(self) -> None:
        """A Retry-After date already passed asks for no wait at all."""
        assert RetryPolicy().delay(2, -3.0) == 0.0

    @pytest.mark.parametrize("change", [{"retries": -1}, {"jitter": 1.5}, {"jitter": -0.1}])
    def test_nonsense_is_refused(self, change: dict[str, float]) -> None:
        """Negative retries and jitter outside 0..1 are programming errors."""
        with pytest.raises(ValueError, match="RetryPolicy"):
            RetryPolicy(**change)  # type: ignore[arg-type]


class TestRunWithRetries:
    async def test_success_needs_no_wait(self) -> None:
        """An operation that succeeds at once is called once and never waits."""
        sleep = RecordingSleep()
        operation = failing()
        assert await run_with_retries(operation, RetryPolicy(), is_retryable=is_busy, sleep=sleep)
        assert operation.calls == 1  # type: ignore[attr-defined]
        assert sleep.waits == []

    async def test_retryable_failures_are_retried_with_backoff(self) -> None:
        """Retryable failures are retried after the policy's waits until the operation succeeds."""
        sleep = RecordingSleep()
        operation = failing(Busy(), Busy())
        policy = RetryPolicy(retries=3, base_s=1.0, cap_s=20.0)
        result = await run_with_retries(operation, policy, is_retryable=is_busy, sleep=sleep)
        assert result == "ok"
        assert operation.calls == 3  # type: ignore[attr-defined]
        assert sleep.waits == [1.0, 2.0]

    async def test_last_failure_propagates_when_retries_run_out(self) -> None:
        """After `retries` retries the last failure propagates unchanged."""
        sleep = RecordingSleep()
        last = Busy()
        operation = failing(Busy(), Busy(), last)
        policy = RetryPolicy(retries=2, base_s=0.5)
        with pytest.raises(Busy) as caught:
            await run_with_retries(operation, policy, is_retryable=is_busy, sleep=sleep)
        assert caught.value is last
        assert operation.calls == 3  # type: ignore[attr-defined]
        assert sleep.waits == [0.5, 1.0]

    async def test_other_failures_propagate_at_once(self) -> None:
        """A failure `is_retryable` rejects propagates without a retry, even after retries."""
        sleep = RecordingSleep()
        operation = failing(Busy(), Refused())
        with pytest.raises(Refused):
            await run_with_retries(operation, RetryPolicy(), is_retryable=is_busy, sleep=sleep)
        assert operation.calls == 2  # type: ignore[attr-defined]
        assert len(sleep.waits) == 1

    async def test_no_retries_means_one_attempt(self) -> None:
        """`NO_RETRIES` calls the operation once (inserts, which must not be written twice)."""
        operation = failing(Busy())
        with pytest.raises(Busy):
            await run_with_retries(operation, NO_RETRIES, is_retryable=is_busy)
        assert operation.calls == 1  # type: ignore[attr-defined]

    async def test_requested_waits_are_honoured(self) -> None:
        """The wait `retry_after` reads from a failure replaces the backoff for that retry."""
        sleep = RecordingSleep()
        operation = failing(Busy(retry_after_s=7.0), Busy(), Busy(retry_after_s=600.0))
        policy = RetryPolicy(retries=3, base_s=1.0, retry_after_cap_s=60.0)
        await run_with_retries(
            operation, policy, is_retryable=is_busy, retry_after=requested_wait, sleep=sleep
        )
        assert sleep.waits == [7.0, 2.0, 60.0]

    async def test_on_retry_hears_each_retry_before_its_wait(self) -> None:
        """`on_retry` gets the failure, the 1-based retry number and the wait, once per retry."""
        sleep = RecordingSleep()
        first, second = Busy(), Busy()
        heard: list[tuple[Exception, int, float, int]] = []

        def on_retry(error: Exception, retry: int, delay_s: float) -> None:
            heard.append((error, retry, delay_s, len(sleep.waits)))

        await run_with_retries(
            failing(first, second),
            RetryPolicy(base_s=1.0),
            is_retryable=is_busy,
            sleep=sleep,
            on_retry=on_retry,
        )
        assert heard == [(first, 1, 1.0, 0), (second, 2, 2.0, 1)]
