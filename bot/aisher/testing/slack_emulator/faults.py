"""Faults queued per Web API method: rate limits, server errors and `ok: false` answers.

Each queued fault answers exactly one call of its method, in the order queued; after them the
method behaves normally again. That is how a test proves the bot's client retries a 429 after
`Retry-After`, or gives up cleanly after too many 500s.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from aisher.testing.slack_emulator.journal import Journal


@dataclass(frozen=True, slots=True)
class Fault:
    """How one call is answered instead of being served."""

    http_status: int
    error: str
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


class FaultPlan:
    """The faults still to serve, per method; any thread may queue, the server takes."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._queued: dict[str, deque[Fault]] = {}

    def queue(self, method: str, fault: Fault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._journal.changing():
            self._queued.setdefault(method, deque()).extend([fault] * times)

    def take(self, method: str) -> Fault | None:
        """The next fault for `method`, removed from the queue; None when none is left."""
        with self._journal.changing():
            queued = self._queued.get(method)
            return queued.popleft() if queued else None

    def pending(self, method: str) -> int:
        with self._journal.lock:
            return len(self._queued.get(method, ()))


def rate_limit(retry_after: int) -> Fault:
    """HTTP 429 with Retry-After, as Slack answers a method called too often."""
    return Fault(429, "ratelimited", retry_after)


def server_error(status: int) -> Fault:
    """A 5xx answer; slack_sdk's server-error retry handler retries 500 and 503."""
    if not 500 <= status <= 599:
        raise ValueError(f"{status} is not a server error status")
    return Fault(status, "internal_error" if status == 500 else "service_unavailable")


def api_error(error: str) -> Fault:
    """HTTP 200 with `{"ok": false, "error": error}`, how Slack reports most failures."""
    return Fault(200, error)
