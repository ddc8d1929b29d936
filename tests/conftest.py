"""Shared fixtures: the embedded chDB engine with SigNoz's real tables.

chDB allows one engine path per process, so the whole test session shares one path and each
test gets its own pair of freshly created databases; tests never see each other's rows.

A real redis-server per test comes from the `redis_server` fixture of tests/support/redis_server.py.
`clickhouse_http` serves the same chDB engine over ClickHouse's HTTP interface
(tests/support/clickhouse_http.py), so `HttpExecutor` reads what the embedded store wrote.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.store import open_store
from tests.support.clickhouse_http import ClickHouseHttpEmulator

pytest_plugins = ("tests.support.redis_server", "tests.support.slack_emulator_fixture")


@pytest.fixture(scope="session")
def chdb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture
def clickhouse_settings(chdb_path: Path) -> ClickHouseSettings:
    """Settings for a fresh pair of SigNoz databases inside the session's chDB engine."""
    suffix = uuid.uuid4().hex[:10]
    return ClickHouseSettings(
        dsn=f"chdb://{chdb_path}",
        traces_database=f"t{suffix}_traces",
        logs_database=f"t{suffix}_logs",
        query_timeout_s=30.0,
        retries=0,
    )


@pytest.fixture
async def store(clickhouse_settings: ClickHouseSettings) -> AsyncIterator[EmbeddedExecutor]:
    """An embedded executor whose databases hold SigNoz's empty v3 tables."""
    executor = await open_store(clickhouse_settings)
    assert isinstance(executor, EmbeddedExecutor)
    try:
        yield executor
    finally:
        for database in (clickhouse_settings.traces_database, clickhouse_settings.logs_database):
            await executor.command(f"DROP DATABASE IF EXISTS {database}")
        await executor.close()


@pytest.fixture
async def clickhouse_http(chdb_path: Path) -> AsyncIterator[ClickHouseHttpEmulator]:
    """A ClickHouse HTTP interface on 127.0.0.1 answered by the session's chDB engine.

    `.dsn` reaches it (`default:secret`); `fail_next()` and `delay_s` inject faults. It stops at
    the end of the test, waking any answer it was holding back.
    """
    emulator = ClickHouseHttpEmulator(chdb_path)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
def http_clickhouse_settings(
    clickhouse_http: ClickHouseHttpEmulator, clickhouse_settings: ClickHouseSettings
) -> ClickHouseSettings:
    """Settings that reach the test's databases over HTTP, with short deadlines and 2 retries."""
    return clickhouse_settings.model_copy(
        update={
            "dsn": clickhouse_http.dsn,
            "connect_timeout_s": 2.0,
            "query_timeout_s": 10.0,
            "retries": 2,
        }
    )
