"""Shared fixtures: the embedded chDB engine with SigNoz's real tables.

chDB allows one engine path per process, so the whole test session shares one path and each
test gets its own pair of freshly created databases; tests never see each other's rows.

`default_suite` is the project's incident suite (tests/incidents), written once per run.
A real redis-server per test comes from the `redis_server` fixture of tests/support/redis_server.py.
`clickhouse_http` serves the same chDB engine over ClickHouse's HTTP interface
(tests/support/clickhouse_http.py), so `HttpExecutor` reads what the embedded store wrote.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from filelock import FileLock

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.store import open_store
from tests.incidents.generator import write_suite
from tests.support.clickhouse_http import ClickHouseHttpEmulator

pytest_plugins = (
    "tests.support.redis_server",
    "tests.support.slack_emulator_fixture",
    "tests.support.checkout_fixtures",
    "tests.support.legacy_fixtures",
)


@pytest.fixture(scope="session")
def chdb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chdb")


@pytest.fixture(scope="session")
def default_suite(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> list[Path]:
    """The folders of the default incident suite (tests/incidents), in name order.

    Writing it takes a while, so it is written once per test run into the temporary folder the
    xdist workers share, under a lock, and read by every worker.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent
    folder = shared / "default-incident-suite"
    with FileLock(f"{folder}.lock"):
        if not (folder / ".complete").exists():
            shutil.rmtree(folder, ignore_errors=True)
            write_suite(folder)
            (folder / ".complete").touch()
    return sorted(path for path in folder.iterdir() if path.is_dir())


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
