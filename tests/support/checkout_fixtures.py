"""Fixtures for tests that read the checkout incident back, in process and over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.http_executor import HttpExecutor
from tests.support.checkout_incident import Incident, checkout_incident
from tests.support.databases import load_clean


@pytest.fixture
async def incident(store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings) -> Incident:
    """The checkout incident, loaded into the test's v3 tables through the embedded store."""
    incident = checkout_incident()
    await load_clean(store, clickhouse_settings, incident.documents)
    return incident


@pytest.fixture
async def http_executor(
    http_clickhouse_settings: ClickHouseSettings,
) -> AsyncIterator[HttpExecutor]:
    """An `HttpExecutor` on the test's databases through the chDB-backed HTTP emulator."""
    executor = HttpExecutor(http_clickhouse_settings)
    try:
        yield executor
    finally:
        await executor.close()
