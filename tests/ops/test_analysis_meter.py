"""The per-analysis meter: stage times with overlapping queries counted once."""

from __future__ import annotations

import asyncio

import pytest

from aisher.ops.analysis_meter import AnalysisMeter, add_stage, current_meter, time_query


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TestAnalysisMeter:
    def test_overlapping_queries_count_once(self) -> None:
        """Two queries running at once add their union, not their sum, to the query stage."""
        clock = StepClock()
        meter = AnalysisMeter(clock)
        with meter.stage("collect"):
            with meter.query():
                clock.now = 1.0
                with meter.query():
                    clock.now = 3.0
                clock.now = 4.0
            clock.now = 6.0  # grouping and ranking, no query running
        stages = meter.split_collection()
        assert stages == {"query": pytest.approx(4.0), "evidence": pytest.approx(2.0)}

    def test_stages_add_up_and_outcomes_follow_the_answer(self) -> None:
        """A stage measured twice adds up; a cached answer sets the outcome unless one was set."""
        meter = AnalysisMeter(StepClock())
        meter.add("llm", 1.0)
        meter.add("llm", 0.5)
        meter.answered("llm:m", cached=True)
        assert meter.stages == {"llm": 1.5}
        assert meter.outcome == "cached"
        other = AnalysisMeter(StepClock())
        other.outcome = "fallback"
        other.answered("heuristic", cached=True)
        assert other.outcome == "fallback"

    async def test_the_current_meter_reaches_tasks_and_threads(self) -> None:
        """Tasks and worker threads started inside the block note into the same meter."""
        meter = AnalysisMeter()

        async def query() -> None:
            with time_query():
                await asyncio.sleep(0.01)

        with current_meter(meter):
            await asyncio.gather(query(), query())
            await asyncio.to_thread(add_stage, "llm", 2.0)
        assert meter.query_s > 0
        assert meter.stages["llm"] == 2.0

    def test_outside_an_analysis_nothing_is_noted(self) -> None:
        """Without a current meter the helpers do nothing (the CLI's bench, direct calls)."""
        add_stage("llm", 1.0)
        with time_query():
            pass
