"""Hand-driven clocks: tests step time forward instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ManualClock:
    """A wall clock (`now`) and a monotonic clock (`monotonic`) that move only when told."""

    def __init__(self, start: datetime = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)) -> None:
        self._now = start
        self._monotonic = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def set(self, moment: datetime) -> None:
        """Jump the wall clock to `moment` (the monotonic clock follows by the same step)."""
        self._monotonic += max(0.0, (moment - self._now).total_seconds())
        self._now = moment
