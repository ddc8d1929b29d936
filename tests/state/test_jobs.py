"""Jobs, the in-process bounded queue, and the worker loop."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from aisher.state.jobs import Job, JobQueue, LocalJobQueue, QueueFull, _InOrder, consume

AT = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def job(number: int) -> Job:
    return Job.create(
        "alertmanager", {"n": number, "nested": {"a": [1, "x", None]}}, received_at=AT
    )


class TestJob:
    def test_json_round_trip(self) -> None:
        """A job survives JSON, as a shared queue would carry it."""
        original = job(1)
        assert Job.model_validate_json(original.model_dump_json()) == original
        assert len(original.id) == 32
        assert original.id != job(1).id

    def test_payload_must_be_json(self) -> None:
        """A payload that is not JSON data, or a naive time, is refused."""
        with pytest.raises(ValidationError):
            Job(id="1", kind="k", payload={"x": object()}, received_at=AT)  # type: ignore[dict-item]
        with pytest.raises(ValidationError):
            Job(id="1", kind="k", payload={}, received_at=datetime(2026, 11, 26))  # noqa: DTZ001


class TestLocalJobQueue:
    async def test_fifo_and_depth(self) -> None:
        """Jobs come out in order; depth counts what waits."""
        queue: JobQueue = LocalJobQueue(4)
        for number in range(3):
            await queue.put(job(number))
        assert await queue.depth() == 3
        taken = [await queue.get() for _ in range(3)]
        assert [item.payload["n"] for item in taken] == [0, 1, 2]
        assert await queue.depth() == 0

    async def test_full_queue_refuses_with_retry_after(self) -> None:
        """A full queue raises QueueFull (with a retry hint) and keeps what it has."""
        queue = LocalJobQueue(2, retry_after_s=7)
        await queue.put(job(1))
        await queue.put(job(2))
        with pytest.raises(QueueFull) as caught:
            await queue.put(job(3))
        assert (caught.value.retry_after_s, caught.value.depth) == (7, 2)
        assert await queue.depth() == 2

    async def test_join_waits_for_task_done(self) -> None:
        """join returns once every job taken was marked done."""
        queue = LocalJobQueue(2)
        await queue.put(job(1))
        taken = await queue.get()
        joining = asyncio.create_task(queue.join())
        await asyncio.sleep(0)
        assert not joining.done()
        await queue.task_done(taken)
        await asyncio.wait_for(joining, timeout=10)

    def test_unbounded_is_refused(self) -> None:
        """A queue must have a bound, so overload shows instead of growing memory."""
        with pytest.raises(ValueError, match="maxsize"):
            LocalJobQueue(0)


class TestConsume:
    async def test_failing_job_does_not_stop_the_worker(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        """A job that raises is logged and marked done; the next job still runs."""
        queue = LocalJobQueue(4)
        handled: list[object] = []

        async def handle(item: Job) -> None:
            if item.payload["n"] == 1:
                raise RuntimeError("boom")
            handled.append(item.payload["n"])

        for number in (1, 2):
            await queue.put(job(number))
        worker = asyncio.create_task(consume(queue, handle))
        with caplog.at_level(logging.ERROR, logger="aisher.state.jobs"):
            await asyncio.wait_for(queue.join(), timeout=10)
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker
        assert handled == [2]
        assert "failed" in caplog.records[0].getMessage()

    async def test_cancel_mid_job_marks_it_done(self) -> None:
        """Cancelling the worker during a job still marks the job done."""
        queue = LocalJobQueue(2)
        started = asyncio.Event()

        async def handle(item: Job) -> None:
            started.set()
            await asyncio.Event().wait()

        await queue.put(job(1))
        worker = asyncio.create_task(consume(queue, handle))
        await asyncio.wait_for(started.wait(), timeout=10)
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker
        await asyncio.wait_for(queue.join(), timeout=10)


def keyed_job(key: str, number: int) -> Job:
    return Job.create("alertmanager", {"key": key, "n": number}, received_at=AT)


def key_of(item: Job) -> str | None:
    key = item.payload.get("key")
    return key if isinstance(key, str) else None


async def stop(worker: asyncio.Task[None]) -> None:
    worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await worker


class Arrivals:
    """The jobs that started, in turn; `all_in` is set once `expected` of them have."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.keys: list[str] = []
        self.all_in = asyncio.Event()

    def arrive(self, item: Job) -> None:
        self.keys.append(str(item.payload.get("key")))
        if len(self.keys) == self.expected:
            self.all_in.set()


class TestConsumeConcurrently:
    async def test_jobs_of_different_keys_run_at_once(self) -> None:
        """With three workers, three jobs of three keys are all under way together: each
        waits for the other two to start, which one worker would never see."""
        queue = LocalJobQueue(8)
        arrivals = Arrivals(3)

        async def handle(item: Job) -> None:
            arrivals.arrive(item)
            await arrivals.all_in.wait()

        for key in "abc":
            await queue.put(keyed_job(key, 1))
        worker = asyncio.create_task(consume(queue, handle, workers=3, order_key=key_of))
        await asyncio.wait_for(queue.join(), timeout=10)
        await stop(worker)
        assert sorted(arrivals.keys) == ["a", "b", "c"]

    async def test_jobs_of_one_key_run_one_after_another_in_order(self) -> None:
        """Jobs of one key never overlap and keep their order, while another key's go on."""
        queue = LocalJobQueue(16)
        running: dict[str, int] = {"a": 0, "b": 0}
        overlaps: list[str] = []
        done: dict[str, list[object]] = {"a": [], "b": []}

        async def handle(item: Job) -> None:
            key = str(item.payload["key"])
            running[key] += 1
            if running[key] > 1:
                overlaps.append(key)
            for _ in range(3):  # yield, so that other workers get their chance to overlap
                await asyncio.sleep(0)
            done[key].append(item.payload["n"])
            running[key] -= 1

        for number in range(5):
            await queue.put(keyed_job("a", number))
            await queue.put(keyed_job("b", number))
        worker = asyncio.create_task(consume(queue, handle, workers=4, order_key=key_of))
        await asyncio.wait_for(queue.join(), timeout=10)
        await stop(worker)
        assert overlaps == []
        assert done == {"a": [0, 1, 2, 3, 4], "b": [0, 1, 2, 3, 4]}

    async def test_jobs_without_a_key_are_not_held_back(self) -> None:
        """A job whose key is None waits for no other."""
        queue = LocalJobQueue(8)
        arrivals = Arrivals(2)

        async def handle(item: Job) -> None:
            arrivals.arrive(item)
            await arrivals.all_in.wait()

        await queue.put(job(1))
        await queue.put(job(2))
        worker = asyncio.create_task(consume(queue, handle, workers=2, order_key=key_of))
        await asyncio.wait_for(queue.join(), timeout=10)
        await stop(worker)

    async def test_cancel_marks_every_job_under_way_done(self) -> None:
        """Cancelling stops every worker and marks each job it was running done."""
        queue = LocalJobQueue(8)
        arrivals = Arrivals(2)

        async def handle(item: Job) -> None:
            arrivals.arrive(item)
            await asyncio.Event().wait()

        for key in "ab":
            await queue.put(keyed_job(key, 1))
        worker = asyncio.create_task(consume(queue, handle, workers=2, order_key=key_of))
        await asyncio.wait_for(arrivals.all_in.wait(), timeout=10)
        await stop(worker)
        await asyncio.wait_for(queue.join(), timeout=10)

    async def test_no_key_is_remembered_once_its_jobs_are_done(self) -> None:
        """A key's turn is forgotten when nobody holds or awaits it: a long-running worker
        sees endless alert groups and must not keep one lock for each."""
        in_order = _InOrder()
        first = in_order.turn("a")
        await first.__aenter__()
        waiting = asyncio.create_task(_hold(in_order, "a"))
        await asyncio.sleep(0)
        assert len(in_order) == 1
        assert not waiting.done()
        await first.__aexit__(None, None, None)
        await asyncio.wait_for(waiting, timeout=10)
        assert len(in_order) == 0

    def test_at_least_one_worker(self) -> None:
        with pytest.raises(ValueError, match="workers"):
            asyncio.run(consume(LocalJobQueue(1), _nothing, workers=0))


async def _hold(in_order: _InOrder, key: str) -> None:
    async with in_order.turn(key):
        await asyncio.sleep(0)


async def _nothing(item: Job) -> None:
    return None
