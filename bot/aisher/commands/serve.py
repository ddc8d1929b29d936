"""`aisher serve`: run the bot and the HTTP server until SIGTERM or SIGINT, then exit 0.

Logging is configured here, once, before anything starts (JSON lines unless stderr is a
terminal; see `aisher.ops.logging`). On the signal the service drains: readiness fails at once,
work in flight gets `AISHER_SHUTDOWN_GRACE_S` to finish, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable

from aisher.config import Settings
from aisher.ops.logging import configure_logging, settings_secrets
from aisher.serve import open_service

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def run_serve(
    settings: Settings, *, no_slack: bool = False, say: Callable[[str], None] | None = None
) -> int:
    """Serve until a stop signal; what runs (and what does not) is said once at start-up."""
    say = say or _to_stderr
    configure_logging(settings.ops, secrets=settings_secrets(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop.set)
    try:
        async with open_service(settings, slack=not no_slack) as service:
            for note in service.notes:
                say(f"aisher serve: {note}")
            say("aisher serve: ready")
            await stop.wait()
            service.readiness.start_draining()
            say("aisher serve: stopping")
    finally:
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)
    return 0


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
