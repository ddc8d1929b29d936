"""/healthz and /readyz against real dependencies, and the refusal of work while draining."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

import aiohttp
import pytest

from aisher.config import ClickHouseSettings
from aisher.redis_link import RedisLink
from aisher.signoz.http_executor import HttpExecutor
from aisher.state.jobs import LocalJobQueue
from aisher.web.alertmanager import AlertmanagerWebhook, install_alertmanager_webhook
from aisher.web.health import Readiness, install_health
from aisher.web.server import WebServer, create_app
from tests.support.clickhouse_http import ClickHouseHttpEmulator
from tests.support.redis_server import RedisServer
from tests.support.tcp_relay import TcpRelay

WAIT_S = 30.0


async def get(url: str) -> tuple[int, dict[str, Any]]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session,
        session.get(url) as response,
    ):
        return response.status, await response.json()


async def eventually(
    check: Callable[[], Awaitable[tuple[int, dict[str, Any]]]], status: int
) -> dict[str, Any]:
    """Poll until `check` answers `status` (bounded); the body of that answer."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:
        got, body = await check()
        if got == status:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"still {got} {body}, wanted {status}")
        await asyncio.sleep(0.1)


async def ping_redis(link: RedisLink) -> bool:
    return bool(await link.call(lambda client: client.ping()))


@pytest.fixture
async def redis_link(redis_server: RedisServer) -> AsyncIterator[RedisLink]:
    link = RedisLink(redis_server.url, retry_after_s=0.0)
    try:
        yield link
    finally:
        await link.close()


@pytest.fixture
async def relay(clickhouse_http: ClickHouseHttpEmulator) -> AsyncIterator[TcpRelay]:
    """A port that reaches the ClickHouse emulator only while the relay is started."""
    relay = TcpRelay(clickhouse_http.port)
    try:
        yield relay
    finally:
        await relay.stop()


@pytest.fixture
async def clickhouse(
    relay: TcpRelay, clickhouse_http: ClickHouseHttpEmulator
) -> AsyncIterator[HttpExecutor]:
    """An HTTP executor for the relay's port, which nothing listens on yet."""
    settings = ClickHouseSettings(
        dsn=f"http://{clickhouse_http.user}:{clickhouse_http.password}@127.0.0.1:{relay.port}/",
        connect_timeout_s=1.0,
        query_timeout_s=2.0,
        retries=0,
    )
    executor = HttpExecutor(settings)
    try:
        yield executor
    finally:
        await executor.close()


class TestReadiness:
    async def test_a_stopped_redis_is_named_and_its_return_seen(
        self, redis_server: RedisServer, redis_link: RedisLink
    ) -> None:
        """Redis killed: 503 naming redis; restarted on the same port: ready again."""
        readiness = Readiness({"redis": partial(ping_redis, redis_link)}, timeout_s=2.0)
        async with WebServer(
            create_app(partial(install_health, readiness=readiness)), host="127.0.0.1", port=0
        ) as server:
            url = server.url + "/readyz"
            assert await get(url) == (200, {"status": "ready", "checks": {"redis": {"ok": True}}})
            redis_server.kill()
            body = await eventually(partial(get, url), 503)
            assert body["status"] == "not_ready"
            assert body["checks"]["redis"]["ok"] is False
            assert body["checks"]["redis"]["error"]
            redis_server.start()
            body = await eventually(partial(get, url), 200)
            assert body["checks"]["redis"] == {"ok": True}

    async def test_an_unreachable_clickhouse_is_named_until_it_answers(
        self, relay: TcpRelay, clickhouse: HttpExecutor
    ) -> None:
        """A DSN at a closed port makes /readyz 503 for clickhouse; when the port answers, 200."""
        readiness = Readiness({"clickhouse": clickhouse.ping}, timeout_s=3.0)
        async with WebServer(
            create_app(partial(install_health, readiness=readiness)), host="127.0.0.1", port=0
        ) as server:
            url = server.url + "/readyz"
            status, body = await get(url)
            assert status == 503
            assert body["checks"]["clickhouse"]["ok"] is False
            await relay.start()
            body = await eventually(partial(get, url), 200)
            assert body == {"status": "ready", "checks": {"clickhouse": {"ok": True}}}
            await relay.stop()
            body = await eventually(partial(get, url), 503)
            assert body["checks"]["clickhouse"]["ok"] is False

    async def test_a_hung_probe_is_cut_at_the_timeout(self) -> None:
        """A probe that never answers is reported as not answering within the timeout."""
        never = asyncio.Event()

        async def hung() -> bool:
            await never.wait()
            return True

        report = await Readiness({"slack": hung}, timeout_s=0.05).check()
        assert not report.ready
        assert report.checks["slack"].error == "no answer within 0.05s"


class TestDraining:
    async def test_draining_fails_readiness_and_refuses_webhooks(self) -> None:
        """After start_draining: /readyz 503 draining, webhook 503 with Retry-After, alive."""

        async def ok() -> bool:
            return True

        readiness = Readiness({"clickhouse": ok})
        queue = LocalJobQueue()
        webhook = AlertmanagerWebhook(token="hook-token", queue=queue)
        app = create_app(
            partial(install_health, readiness=readiness),
            partial(install_alertmanager_webhook, webhook=webhook),
        )
        async with (
            WebServer(app, host="127.0.0.1", port=0) as server,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session,
        ):
            readiness.start_draining()
            assert await get(server.url + "/readyz") == (503, {"status": "draining", "checks": {}})
            assert await get(server.url + "/healthz") == (200, {"status": "ok"})
            async with session.post(
                server.url + "/webhooks/alertmanager",
                json={"version": "4"},
                headers={"Authorization": "Bearer hook-token"},
            ) as response:
                assert response.status == 503
                assert response.headers["Retry-After"] == "30"
                body = await response.json()
        assert body["error"]["code"] == "shutting_down"
        assert await queue.depth() == 0
