"""Graceful shutdown: not ready first, then intake closed, then work in flight within a deadline."""

from __future__ import annotations

import asyncio

from aisher.ops.shutdown import drain


class Recorder:
    """Readiness and steps that note the order they ran in."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def start_draining(self) -> None:
        self.events.append("not ready")

    async def close_socket(self) -> None:
        self.events.append("socket closed")

    async def broken_source(self) -> None:
        self.events.append("broken source")
        raise RuntimeError("cannot close")


class TestDrain:
    async def test_steps_run_in_order_and_work_finishes(self) -> None:
        """Readiness fails before intake closes; work in flight is awaited to its end."""
        recorder = Recorder()
        finished = asyncio.Event()

        async def analysis() -> None:
            await asyncio.sleep(0.05)
            recorder.events.append("analysis posted")
            finished.set()

        running = asyncio.create_task(analysis())
        done = await drain(
            recorder,
            stop_intake=[recorder.close_socket],
            in_flight=[finished.wait],
            grace_s=10.0,
        )
        assert done
        assert recorder.events == ["not ready", "socket closed", "analysis posted"]
        await running

    async def test_the_deadline_bounds_the_wait(self) -> None:
        """Work that outlives the deadline is left running and `drain` says so."""
        recorder = Recorder()
        never = asyncio.Event()
        done = await drain(recorder, in_flight=[never.wait], grace_s=0.05)
        assert not done
        assert recorder.events == ["not ready"]

    async def test_a_failing_source_does_not_stop_the_others(self) -> None:
        """One source that fails to close is logged; the next still closes."""
        recorder = Recorder()
        done = await drain(
            recorder, stop_intake=[recorder.broken_source, recorder.close_socket], grace_s=1.0
        )
        assert done
        assert recorder.events == ["not ready", "broken source", "socket closed"]
