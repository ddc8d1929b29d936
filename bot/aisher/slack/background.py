"""Work a listener starts after its ack, tracked so that shutdown can finish or cancel it.

Slack needs an ack within three seconds while an analysis may take much longer, so listeners ack
first and hand the slow part to `BackgroundTasks.spawn`. Keeping the tasks (instead of firing
and forgetting them) means a failure is logged rather than lost, SIGTERM can give running
analyses a grace period, and tests can wait until the bot is idle.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Coroutine
from typing import Any

from aisher.ops.logging import bind_log_context, new_id

log = logging.getLogger(__name__)


class BackgroundTasks:
    """A set of running tasks; each logs its own failure and leaves the set when done."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, work: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run `work` in the background under `name` (shown in logs); every line it logs
        carries a `request_id` of its own."""
        if self._closing:
            work.close()
            raise RuntimeError("shutting down: no new background work")
        context = contextvars.copy_context()
        context.run(bind_log_context, request_id=new_id())
        task = asyncio.get_running_loop().create_task(work, name=name, context=context)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    async def idle(self) -> None:
        """Wait until no task runs, including tasks started by tasks."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def close(self, grace_s: float) -> None:
        """Refuse new work, let running work finish for `grace_s` seconds, cancel the rest."""
        self._closing = True
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            log.error("background task %s failed", task.get_name(), exc_info=error)
