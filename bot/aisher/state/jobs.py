"""Work accepted now and done later: the webhook answers at once, a worker runs the analysis.

`Job` is plain JSON-able data so that a queue shared by replicas (Redis Streams) can carry it
unchanged; `JobQueue` is the small interface both the in-process queue here and such a shared
queue implement. Every method is async because a shared queue talks to Redis on each of them.

A full queue refuses with `QueueFull` rather than dropping work: the webhook turns that into
`503` with `Retry-After`, and Alertmanager retries the notification later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue

from aisher.errors import AisherError

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 256
# A worker drains a few jobs a minute; after this long a full queue may have room again.
DEFAULT_RETRY_AFTER_S = 30


class Job(BaseModel):
    """One unit of deferred work: `kind` says which handler takes `payload` (JSON data)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    payload: dict[str, JsonValue]
    received_at: AwareDatetime

    @classmethod
    def create(cls, kind: str, payload: dict[str, JsonValue], *, received_at: datetime) -> Job:
        """A job with a fresh random id."""
        return cls(id=uuid.uuid4().hex, kind=kind, payload=payload, received_at=received_at)


class QueueFull(AisherError):
    """The queue holds as many jobs as it may; try again after `retry_after_s` seconds."""

    def __init__(self, depth: int, retry_after_s: int) -> None:
        super().__init__(f"the job queue is full ({depth} jobs waiting)")
        self.depth = depth
        self.retry_after_s = retry_after_s


class JobQueue(Protocol):
    """Jobs in arrival order; each `get` is matched by one `task_done` once the job is over."""

    async def put(self, job: Job) -> None:
        """Queue `job`, or raise `QueueFull` without queueing it."""
        ...

    async def get(self) -> Job:
        """The next job, waiting until there is one."""
        ...

    async def task_done(self, job: Job) -> None:
        """Mark a job taken with `get` as finished (whether it succeeded or not)."""
        ...

    async def depth(self) -> int:
        """How many jobs wait to be taken."""
        ...


class LocalJobQueue:
    """A bounded in-process `JobQueue`; jobs live as long as the process."""

    def __init__(
        self, maxsize: int = DEFAULT_QUEUE_SIZE, *, retry_after_s: int = DEFAULT_RETRY_AFTER_S
    ) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1: an unbounded queue hides overload")
        self._queue: asyncio.Queue[Job] = asyncio.Queue(maxsize)
        self._retry_after_s = retry_after_s

    async def put(self, job: Job) -> None:
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            raise QueueFull(self._queue.qsize(), self._retry_after_s) from None

    async def get(self) -> Job:
        return await self._queue.get()

    async def task_done(self, job: Job) -> None:
        self._queue.task_done()

    async def depth(self) -> int:
        return self._queue.qsize()

    async def join(self) -> None:
        """Wait until every queued job is done (for a graceful shutdown and for tests)."""
        await self._queue.join()


JobHandler = Callable[[Job], Awaitable[Any]]
# The key of the jobs that must run one after another (an alert group's), or None; it must not
# raise, whatever the payload holds: a malformed job fails in its handler, which says why.
OrderKey = Callable[[Job], "str | None"]


async def consume(
    queue: JobQueue,
    handle: JobHandler,
    *,
    workers: int = 1,
    order_key: OrderKey = lambda job: None,
) -> None:
    """Run `handle` on every job, up to `workers` at once, until cancelled.

    Jobs with the same `order_key` run one after another, in the order they were taken: the
    notifications of one alert group (firing, then resolved) keep their order while other
    groups go on. A failing job is logged and marked done: one bad notification must not stop
    the worker.
    """
    if workers < 1:
        raise ValueError("workers must be at least 1")
    in_order = _InOrder()
    tasks = [
        asyncio.create_task(_work(queue, handle, order_key, in_order), name=f"job worker {n}")
        for n in range(workers)
    ]
    try:
        await asyncio.gather(*tasks)
    finally:  # cancelled (or, never, ended): no worker outlives the call
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _work(
    queue: JobQueue, handle: JobHandler, order_key: OrderKey, in_order: _InOrder
) -> None:
    while True:
        job = await queue.get()
        try:
            # No await between `get` and taking the key's turn: the turns follow the queue.
            async with in_order.turn(order_key(job)):
                await handle(job)
        except asyncio.CancelledError:
            await queue.task_done(job)
            raise
        except Exception:
            log.exception("job %s (%s) failed", job.id, job.kind)
        await queue.task_done(job)


class _InOrder:
    """One lock per key in use: a job waits for the earlier jobs of its key, in arrival order
    (asyncio's locks wake their waiters first come, first served). A key's lock is dropped
    once no job holds or awaits it, so keys seen once cost nothing afterwards."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # key: lock, jobs holding or awaiting

    @contextlib.asynccontextmanager
    async def turn(self, key: str | None) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)
