"""The application factory and the server wrapper: routes, JSON errors, start and stop."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest
from aiohttp import web

from aisher.web.errors import ErrorCode, error_response
from aisher.web.server import WebServer, create_app

GREETING: web.AppKey[str] = web.AppKey("greeting", str)


def install_hello(app: web.Application) -> None:
    """An installer like the lead's health or metrics routes will be."""
    app[GREETING] = "hello"

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"greeting": request.app[GREETING]})

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("bug in a handler")

    async def teapot(request: web.Request) -> web.Response:
        return error_response(418, ErrorCode.BAD_REQUEST, "short and stout")

    app.router.add_get("/hello", hello)
    app.router.add_get("/broken", broken)
    app.router.add_get("/teapot", teapot)


async def fetch(url: str) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.get(url) as response,
    ):
        return response.status, await response.json()


class TestWebServer:
    async def test_installers_add_routes_and_dependencies(self) -> None:
        """Routes and AppKey dependencies from an installer are served."""
        async with WebServer(create_app(install_hello), host="127.0.0.1", port=0) as server:
            assert server.url == f"http://127.0.0.1:{server.port}"
            assert await fetch(server.url + "/hello") == (200, {"greeting": "hello"})

    async def test_routes_can_be_added_before_start(self) -> None:
        """The lead may add routes on app.router directly before the server starts."""
        app = create_app()

        async def healthz(request: web.Request) -> web.Response:
            return web.json_response({"ok": True})

        app.router.add_get("/healthz", healthz)
        async with WebServer(app, host="127.0.0.1", port=0) as server:
            assert await fetch(server.url + "/healthz") == (200, {"ok": True})

    async def test_unexpected_errors_are_json_500(self, caplog: pytest.LogCaptureFixture) -> None:
        """A handler bug answers a JSON 500 without the traceback, and is logged."""
        async with WebServer(create_app(install_hello), host="127.0.0.1", port=0) as server:
            with caplog.at_level(logging.ERROR, logger="aisher.web.errors"):
                status, answer = await fetch(server.url + "/broken")
        assert status == 500
        assert answer == {
            "error": {"code": "internal_error", "message": "internal error; see the server log"}
        }
        assert "bug in a handler" in caplog.text

    async def test_handler_errors_pass_through(self) -> None:
        """A handler's own JSON error is sent as it is."""
        async with WebServer(create_app(install_hello), host="127.0.0.1", port=0) as server:
            status, answer = await fetch(server.url + "/teapot")
        assert (status, answer) == (
            418,
            {"error": {"code": "bad_request", "message": "short and stout"}},
        )

    async def test_stop_closes_the_port(self) -> None:
        """After stop nothing listens on the port; stop twice is harmless."""
        server = WebServer(create_app(install_hello), host="127.0.0.1", port=0)
        await server.start()
        await server.start()
        port = server.port
        await server.stop()
        await server.stop()
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.1", port), timeout=2),
        ):
            pass
        with pytest.raises(RuntimeError, match="not running"):
            _ = server.port

    async def test_busy_port_fails_cleanly(self) -> None:
        """Starting on a port in use raises OSError and leaves nothing running."""
        async with WebServer(create_app(), host="127.0.0.1", port=0) as first:
            second = WebServer(create_app(), host="127.0.0.1", port=first.port)
            with pytest.raises(OSError, match="in use"):
                await second.start()
            await second.stop()

    async def test_requests_in_flight_finish_on_stop(self) -> None:
        """A request being answered when stop begins still gets its answer."""
        app = create_app()
        entered = asyncio.Event()
        release = asyncio.Event()

        async def slow(request: web.Request) -> web.Response:
            entered.set()
            await release.wait()
            return web.json_response({"done": True})

        app.router.add_get("/slow", slow)
        server = WebServer(app, host="127.0.0.1", port=0, shutdown_timeout_s=10)
        await server.start()
        request = asyncio.create_task(fetch(server.url + "/slow"))
        await asyncio.wait_for(entered.wait(), timeout=10)
        stopping = asyncio.create_task(server.stop())
        await asyncio.sleep(0.05)
        release.set()
        assert await asyncio.wait_for(request, timeout=10) == (200, {"done": True})
        await asyncio.wait_for(stopping, timeout=10)
