"""Fixtures for capture tests: a second database pair to replay a capture into."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.store import open_store


@pytest.fixture
def replay_settings(clickhouse_settings: ClickHouseSettings) -> ClickHouseSettings:
    """A database pair of its own beside the test's source pair, for loading a capture."""
    return clickhouse_settings.model_copy(
        update={
            "traces_database": f"{clickhouse_settings.traces_database}_replay",
            "logs_database": f"{clickhouse_settings.logs_database}_replay",
        }
    )


@pytest.fixture
async def replay_store(replay_settings: ClickHouseSettings) -> AsyncIterator[EmbeddedExecutor]:
    """An embedded executor over fresh, empty SigNoz tables, dropped after the test."""
    executor = await open_store(replay_settings)
    assert isinstance(executor, EmbeddedExecutor)
    try:
        yield executor
    finally:
        for database in (replay_settings.traces_database, replay_settings.logs_database):
            await executor.command(f"DROP DATABASE IF EXISTS {database}")
        await executor.close()
