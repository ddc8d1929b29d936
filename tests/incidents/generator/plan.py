"""What a fault class hands the suite writer: the effects to simulate and the question to ask."""

from __future__ import annotations

import random
from dataclasses import dataclass

from tests.incidents.generator.effects import Effects, When
from tests.incidents.generator.model import NS_PER_S


@dataclass(frozen=True, slots=True)
class Frame:
    """The incident's clock: the window asked about, the baseline before it, and randomness."""

    rng: random.Random
    until_ns: int
    window_minutes: int

    @property
    def window_ns(self) -> int:
        return self.window_minutes * 60 * NS_PER_S

    @property
    def window_start_ns(self) -> int:
        return self.until_ns - self.window_ns

    @property
    def baseline_start_ns(self) -> int:
        return self.until_ns - 2 * self.window_ns

    def onset(self, earliest: float = 0.1, latest: float = 0.45) -> int:
        """When the fault starts: a point in the window, as a share of its length."""
        share = self.rng.uniform(earliest, latest)
        return self.window_start_ns + int(share * self.window_ns)

    def from_onset(
        self, share: float = 1.0, *, replica: int | None = None, onset: int | None = None
    ) -> When:
        start = self.onset() if onset is None else onset
        return When(start, self.until_ns, share, replica)

    def throughout(self, share: float) -> When:
        """Baseline and window alike: a chronic condition."""
        return When(self.baseline_start_ns, self.until_ns, share)

    def pick(self, low: float, high: float) -> float:
        return round(self.rng.uniform(low, high), 2)


@dataclass(frozen=True, slots=True)
class Plan:
    """One incident to generate."""

    label: str  # a few words for the incident's name
    service: str  # the service the question is asked about
    root_cause: tuple[str, ...]
    notes: str
    effects: Effects


def window_text(minutes: int) -> str:
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"
