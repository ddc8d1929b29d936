"""The lock around the emulator's state, and waking whoever waits for that state to change.

The emulator serves on its own thread and event loop; tests wait on theirs (or on a plain
thread when the bot under test is a subprocess). Every change to the state is made inside
`changing()`, which on exit wakes each waiter in its own loop (`call_soon_threadsafe`) or on its
own thread (a `threading.Condition`). A waiter re-checks its predicate after each wake-up, so
nothing polls on a timer and nothing is missed between the check and the wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

T = TypeVar("T")


class Journal:
    """Guards the emulator's state; `wait_for` returns once a predicate holds, or fails."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._condition = threading.Condition(self.lock)
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = set()

    @contextlib.contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the lock while the state changes, then wake every waiter."""
        with self.lock:
            yield
            waiters = list(self._waiters)
            self._condition.notify_all()
        for loop, future in waiters:
            # A test's loop may already be closed when a late change comes in; nobody waits then.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_resolve, future)

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float,  # noqa: ASYNC109 - a bound that fails the test, not a cancellation
        what: str,
    ) -> T:
        """The first truthy value of `predicate()`, re-checked after each change.

        Raises AssertionError naming `what` when `timeout` seconds pass first.
        """
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + timeout
        while True:
            future: asyncio.Future[None] = loop.create_future()
            entry = (loop, future)
            with self.lock:
                # Registered before the check, so a change right after it still wakes us.
                self._waiters.add(entry)
            try:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(future, remaining)
            finally:
                with self.lock:
                    self._waiters.discard(entry)

    def wait_for_sync(self, predicate: Callable[[], T | None], timeout: float, what: str) -> T:
        """`wait_for` for a plain thread (a test that drives a subprocess, for instance)."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                result = predicate()
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
                self._condition.wait(remaining)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
