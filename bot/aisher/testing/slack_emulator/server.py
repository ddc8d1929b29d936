"""An aiohttp application served on 127.0.0.1 from a thread with its own event loop.

Its own loop keeps the server answering whatever the test does with its loop, and lets the same
server face a bot running in the test's loop, in another thread or in a subprocess. The port is
chosen by the OS when the server binds (port 0), so nothing can take it in between.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable

from aiohttp import web

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


class BackgroundServer:
    """Runs `app` until `stop()`; `before_stop` runs in the loop first (closing websockets)."""

    def __init__(
        self,
        app: web.Application,
        before_stop: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self._app = app
        self._before_stop = before_stop
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._failure: BaseException | None = None
        self._runner: web.AppRunner | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start serving; returns once the port is bound, or raises what prevented it."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        self._thread = threading.Thread(target=self._run, name="slack-emulator", daemon=True)
        self._thread.start()
        if not self._started.wait(START_TIMEOUT_S):
            raise RuntimeError(f"the server did not start within {START_TIMEOUT_S}s")
        if self._failure is not None:
            self._thread.join(STOP_TIMEOUT_S)
            self._thread = None
            raise RuntimeError("the server failed to start") from self._failure

    def stop(self) -> None:
        """Close open connections, stop the loop and join the thread (bounded)."""
        thread, loop = self._thread, self.loop
        if thread is None or loop is None:
            return
        shutdown = asyncio.run_coroutine_threadsafe(self._shutdown(), loop)
        try:
            shutdown.result(STOP_TIMEOUT_S)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(STOP_TIMEOUT_S)
            self._thread = None

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except Exception as error:  # noqa: BLE001 - reported to the starting thread
            self._failure = error
            self._started.set()
            loop.close()
            return
        self._started.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve(self) -> None:
        self._runner = web.AppRunner(self._app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def _shutdown(self) -> None:
        if self._before_stop is not None:
            await self._before_stop()
        if self._runner is not None:
            await self._runner.cleanup()
