"""Graceful shutdown in three steps, shared by whatever the process runs.

    1. not ready:      readiness fails and new work is refused (the load balancer moves on,
                       Alertmanager gets 503 with Retry-After)
    2. intake closed:  the sources of new work stop (the Slack socket closes)
    3. in flight:      work already accepted finishes, up to one deadline for all of it

What is still running at the deadline is left to the caller to cancel; `drain` only says whether
everything finished. Steps are plain callables, so the sequence is tested without a process.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

log = logging.getLogger(__name__)

Step = Callable[[], Awaitable[object]]


class Drainable(Protocol):
    def start_draining(self) -> None: ...


async def drain(
    readiness: Drainable,
    *,
    stop_intake: Sequence[Step] = (),
    in_flight: Sequence[Step] = (),
    grace_s: float,
) -> bool:
    """Run the three steps; True when every `in_flight` wait ended within `grace_s` seconds."""
    started = time.monotonic()
    readiness.start_draining()
    for stop in stop_intake:
        try:
            await stop()
        except Exception:  # one source failing to close must not keep the others open
            log.exception("closing a source of work failed during shutdown")
    remaining = max(0.0, grace_s - (time.monotonic() - started))
    waits = [asyncio.ensure_future(wait()) for wait in in_flight]
    if not waits:
        return True
    done, pending = await asyncio.wait(waits, timeout=remaining)
    for wait in pending:
        wait.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for wait in done:
        if not wait.cancelled() and wait.exception() is not None:
            log.error("waiting for work in flight failed", exc_info=wait.exception())
    if pending:
        log.warning("shutdown deadline of %.0fs passed with work still running", grace_s)
        return False
    log.info("work in flight finished %.1fs after the stop signal", time.monotonic() - started)
    return True
