"""Executors: clear errors for unreachable or slow ClickHouse, bounded close, retry policy."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from aisher.config import ClickHouseSettings
from aisher.errors import ConfigError, DataSourceError, DataSourceUnavailable, QueryTimeout
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.executor import query_retry_policy
from aisher.signoz.http_executor import HttpExecutor
from aisher.signoz.store import open_executor


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def silent_server() -> AsyncIterator[str]:
    """An HTTP server on loopback that accepts requests and never answers in time."""

    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="too late")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hang)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://default:hunter2@127.0.0.1:{port}/"
    finally:
        await runner.cleanup()


class TestHttpExecutor:
    async def test_unreachable_server_gives_a_one_line_error(self) -> None:
        """A refused connection becomes DataSourceUnavailable naming the host, not the password."""
        dsn = f"http://default:hunter2@127.0.0.1:{free_port()}/"
        executor = HttpExecutor(
            ClickHouseSettings(dsn=dsn, retries=1, connect_timeout_s=1, query_timeout_s=2)
        )
        with pytest.raises(DataSourceUnavailable) as caught:
            await executor.query("SELECT 1")
        message = str(caught.value)
        assert "127.0.0.1" in message
        assert "hunter2" not in message
        assert "\n" not in message
        await executor.close()

    async def test_slow_server_times_out(self, silent_server: str) -> None:
        """A server that never answers makes the query fail with QueryTimeout, in bounded time."""
        executor = HttpExecutor(
            ClickHouseSettings(
                dsn=silent_server, retries=0, connect_timeout_s=0.5, query_timeout_s=0.5
            )
        )
        started = time.monotonic()
        with pytest.raises(QueryTimeout):
            await executor.query("SELECT 1")
        assert time.monotonic() - started < 10
        await executor.close()

    async def test_close_is_idempotent_and_refuses_later_queries(self) -> None:
        """Closing twice is fine, and a closed executor says so instead of reconnecting."""
        executor = HttpExecutor(ClickHouseSettings(dsn=f"http://127.0.0.1:{free_port()}/"))
        await executor.close()
        await executor.close()
        with pytest.raises(DataSourceUnavailable, match="closed"):
            await executor.query("SELECT 1")


class TestEmbeddedExecutor:
    async def test_close_is_idempotent(self, clickhouse_settings: ClickHouseSettings) -> None:
        """The embedded executor closes twice without error and then refuses queries."""
        executor = EmbeddedExecutor(clickhouse_settings)
        assert await executor.ping()
        await executor.close()
        await executor.close()
        with pytest.raises(DataSourceUnavailable):
            await executor.query("SELECT 1")

    async def test_parameters_are_bound_not_formatted(self, store: EmbeddedExecutor) -> None:
        """A quote-laden parameter arrives as data: the query returns it verbatim."""
        hostile = "x' OR 1=1; DROP TABLE system.one --"
        result = await store.query("SELECT {value:String}", {"value": hostile})
        assert result.rows == [(hostile,)]

    @pytest.mark.parametrize(
        ("column", "value", "cause"),
        [
            ("timestamp", "not a time", ValueError),
            ("errorID", 5, TypeError),
            ("serviceName", 5, AttributeError),
        ],
    )
    async def test_unserialisable_value_names_the_table(
        self,
        store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        column: str,
        value: object,
        cause: type[Exception],
    ) -> None:
        """A value the driver cannot encode is a DataSourceError naming the table."""
        table = f"{clickhouse_settings.traces_database}.signoz_error_index_v2"
        with pytest.raises(DataSourceError, match="signoz_error_index_v2") as caught:
            await store.insert(table, [(value,)], [column])
        assert isinstance(caught.value.__cause__, cause)
        assert (await store.query(f"SELECT count() FROM {table}")).rows == [(0,)]


class TestOpenExecutor:
    def test_unknown_scheme_is_a_config_error(self) -> None:
        """A DSN that is neither http(s) nor chdb is refused with a clear message."""
        with pytest.raises(ConfigError, match="AISHER_CLICKHOUSE_DSN"):
            open_executor(ClickHouseSettings(dsn="mysql://localhost/"))


class TestQueryRetryPolicy:
    @pytest.mark.parametrize("attempt", range(8))
    def test_delay_grows_and_is_capped(self, attempt: int) -> None:
        """Each delay lies between half and all of min(4 s, 0.25 s·2^attempt)."""
        policy = query_retry_policy(retries=3)
        ceiling = min(4.0, 0.25 * 2**attempt)
        for _ in range(20):
            assert ceiling / 2 <= policy.delay(attempt) <= ceiling

    def test_retries_come_from_the_settings(self) -> None:
        """The executors retry as often as AISHER_CLICKHOUSE_RETRIES says."""
        assert query_retry_policy(retries=5).retries == 5
