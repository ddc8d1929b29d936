"""Benchmark results: named figures with units and, where one exists, the target they meet."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured number; `target` is the quality target (docs/architecture.md), if any."""

    name: str
    value: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        return self.value >= self.target if self.higher_is_better else self.value <= self.target

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "value": self.value, "unit": self.unit}
        if self.target is not None:
            data["target"] = self.target
            data["meets_target"] = self.meets_target
        return data


@dataclass(slots=True)
class BenchResult:
    """The figures of one benchmark plus free-form details (sizes, seeds, notes)."""

    name: str
    figures: list[Figure] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def add(
        self,
        name: str,
        value: float,
        unit: str,
        *,
        target: float | None = None,
        higher_is_better: bool = False,
    ) -> Figure:
        figure = Figure(name, round(value, 4), unit, target, higher_is_better)
        self.figures.append(figure)
        return figure

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "figures": [figure.to_dict() for figure in self.figures],
            "details": self.details,
        }


async def median_seconds(run: Callable[[], Awaitable[object]], repeats: int) -> list[float]:
    """Wall times of `repeats` runs after one warm-up run."""
    await run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        await run()
        times.append(time.perf_counter() - started)
    return times


def median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value at least `fraction` of `values` reach."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
