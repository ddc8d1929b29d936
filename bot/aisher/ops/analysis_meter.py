"""What one analysis measured about itself: time per stage, and how it ended.

`AisherMetrics.measure_analysis` opens an `AnalysisMeter` for the duration of one analysis and
makes it current (a context variable, so tasks and worker threads started inside inherit it);
the components that do the work note what they saw without being handed the meter:

    time_query()        the repository, around each ClickHouse query
    add_stage(s, t)     the LLM analyzer, for the time the model took
    note_outcome(o)     the LLM analyzer, when the heuristic answered in its place

Queries of one analysis run concurrently, so the query stage is the wall-clock time during which
at least one query was running, not the sum of their durations; the evidence stage is the rest
of the collection step (grouping, ranking, masking).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[AnalysisMeter | None] = ContextVar("aisher_analysis_meter", default=None)


class AnalysisMeter:
    """Stage times and the outcome of one analysis; no I/O, the clock is injectable."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self.stages: dict[str, float] = {}
        self.analyzer = "heuristic"  # `heuristic` or `llm:<model>`, once known
        self.outcome: str | None = None  # set by whoever knows better than "answered"
        self._queries_running = 0
        self._queries_since = 0.0
        self._query_s = 0.0

    def answered(self, analyzer: str, *, cached: bool) -> None:
        """Record who answered; a cached answer is the outcome unless one was noted already."""
        self.analyzer = analyzer
        if cached and self.outcome is None:
            self.outcome = "cached"

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the time the block takes to stage `name`."""
        started = self._clock()
        try:
            yield
        finally:
            self.add(name, self._clock() - started)

    def add(self, name: str, seconds: float) -> None:
        self.stages[name] = self.stages.get(name, 0.0) + max(0.0, seconds)

    @contextmanager
    def query(self) -> Iterator[None]:
        """Count the block as query time, overlapping queries once."""
        if self._queries_running == 0:
            self._queries_since = self._clock()
        self._queries_running += 1
        try:
            yield
        finally:
            self._queries_running -= 1
            if self._queries_running == 0:
                self._query_s += self._clock() - self._queries_since

    @property
    def query_s(self) -> float:
        """Seconds during which at least one query of this analysis was running."""
        running = self._clock() - self._queries_since if self._queries_running else 0.0
        return self._query_s + running

    def split_collection(self, collect_stage: str = "collect") -> dict[str, float]:
        """The stages with `collect_stage` split into `query` and `evidence` (what was not
        waiting on ClickHouse)."""
        stages = dict(self.stages)
        collect = stages.pop(collect_stage, None)
        query = self.query_s
        if query:
            stages["query"] = query
        if collect is not None:
            stages["evidence"] = max(0.0, collect - query)
        return stages


@contextmanager
def current_meter(meter: AnalysisMeter) -> Iterator[AnalysisMeter]:
    """Make `meter` the current analysis's meter inside the block."""
    token = _CURRENT.set(meter)
    try:
        yield meter
    finally:
        _CURRENT.reset(token)


@contextmanager
def time_query() -> Iterator[None]:
    """Count the block as query time of the current analysis, if one is being measured."""
    meter = _CURRENT.get()
    if meter is None:
        yield
        return
    with meter.query():
        yield


def add_stage(name: str, seconds: float) -> None:
    """Add `seconds` to stage `name` of the current analysis, if one is being measured."""
    meter = _CURRENT.get()
    if meter is not None:
        meter.add(name, seconds)


def note_outcome(outcome: str) -> None:
    """Say how the current analysis ended (`cached`, `fallback`, …), if one is being measured."""
    meter = _CURRENT.get()
    if meter is not None:
        meter.outcome = outcome
