"""Fixtures for capture tests: a second database pair to replay a capture into."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from tests.support.databases import databases_beside, scratch_store


@pytest.fixture
def replay_settings(clickhouse_settings: ClickHouseSettings) -> ClickHouseSettings:
    """A database pair of its own beside the test's source pair, for loading a capture."""
    return databases_beside(clickhouse_settings, "replay", "replay")


@pytest.fixture
async def replay_store(replay_settings: ClickHouseSettings) -> AsyncIterator[EmbeddedExecutor]:
    """An embedded executor over fresh, empty SigNoz tables, dropped after the test."""
    async with scratch_store(replay_settings) as executor:
        yield executor
