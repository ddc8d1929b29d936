"""Shared fixtures: the embedded chDB engine with SigNoz's real tables.

chDB allows one engine path per process, so the whole test session shares one path and each
test gets its own pair of freshly created databases; tests never see each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.executor import EmbeddedExecutor
from aisher.signoz.store import open_store


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
