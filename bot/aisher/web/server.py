"""The aiohttp application and a server that runs it on a host and port.

`create_app` builds the application with JSON errors everywhere; each feature installs its own
routes and dependencies with an installer (`install_alertmanager_webhook`, and later health,
metrics and the REST API), or the caller adds routes on `app.router` before starting. The
dependencies live under typed `web.AppKey`s in the application, never in globals.

`WebServer` wraps aiohttp's `AppRunner` and `TCPSite`: `async with WebServer(app, port=0)` binds,
serves, and on exit stops accepting, lets requests in flight finish (up to
`shutdown_timeout_s`), and runs the application's cleanup hooks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

from aiohttp import web

from aisher.web.errors import json_errors

log = logging.getLogger(__name__)

Installer = Callable[[web.Application], None]

DEFAULT_HOST = "0.0.0.0"  # noqa: S104 - a server in a container must listen beyond loopback
DEFAULT_PORT = 8080
# Requests here take milliseconds (the webhook only queues); waiting longer gains nothing.
DEFAULT_SHUTDOWN_TIMEOUT_S = 5.0


def create_app(*installers: Installer) -> web.Application:
    """An application with JSON errors, with each installer's routes and dependencies."""
    app = web.Application(middlewares=[json_errors])
    for install in installers:
        install(app)
    return app


class WebServer:
    """Serves `app` on `host:port` (port 0 picks a free one, see `port` once started)."""

    def __init__(
        self,
        app: web.Application,
        *,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        shutdown_timeout_s: float = DEFAULT_SHUTDOWN_TIMEOUT_S,
    ) -> None:
        self._app = app
        self._host = host
        self._requested_port = port
        self._runner = web.AppRunner(app, shutdown_timeout=shutdown_timeout_s)
        self._started = False

    @property
    def port(self) -> int:
        """The port the server listens on; only known once started."""
        if not self._started:
            raise RuntimeError("the server is not running")
        address = self._runner.addresses[0]
        port: int = address[1]
        return port

    @property
    def url(self) -> str:
        """Base URL of the server as seen from this machine (loopback when bound to all)."""
        host = self._host if self._host not in ("0.0.0.0", "::", "") else "127.0.0.1"  # noqa: S104
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        """Bind and start serving; a second call does nothing."""
        if self._started:
            return
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._requested_port)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        self._started = True
        log.info("HTTP server listening on %s", self.url)

    async def stop(self) -> None:
        """Stop serving and clean up; safe to call more than once, or before `start`."""
        if not self._started:
            return
        self._started = False
        await self._runner.cleanup()

    async def __aenter__(self) -> WebServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
