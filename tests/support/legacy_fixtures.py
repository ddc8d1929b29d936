"""Fixtures for tests that read an old SigNoz install (v2 spans, array-based logs)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from tests.support.databases import databases_beside, scratch_store
from tests.support.legacy_schema import legacy_schema


@pytest.fixture
def legacy_settings(clickhouse_settings: ClickHouseSettings) -> ClickHouseSettings:
    """A database pair of its own for the old install, beside the test's v3 pair."""
    return databases_beside(clickhouse_settings, "v2", "legacy")


@pytest.fixture
async def legacy_store(legacy_settings: ClickHouseSettings) -> AsyncIterator[EmbeddedExecutor]:
    """An embedded engine whose databases hold an old install's empty tables."""
    schema = legacy_schema(legacy_settings.traces_database, legacy_settings.logs_database)
    async with scratch_store(legacy_settings, list(schema)) as executor:
        yield executor
