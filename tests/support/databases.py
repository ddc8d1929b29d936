"""Database pairs inside the session's chDB engine: loading documents cleanly, and pairs of
their own beside a test's pair that are dropped afterwards."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.loader import load_documents
from aisher.signoz.store import open_executor, open_store
from tests.support.incident import Incident, build_incident


async def seed_recent_incident(store: EmbeddedExecutor, settings: ClickHouseSettings) -> Incident:
    """The hand-made incident of tests/support/incident.py, ending now, in the settings' tables."""
    incident = build_incident(time.time_ns())
    await load_documents(
        store,
        incident.documents,
        traces_db=settings.traces_database,
        logs_db=settings.logs_database,
    )
    return incident


async def load_clean(
    store: EmbeddedExecutor, settings: ClickHouseSettings, documents: Iterable[str]
) -> None:
    """Load OTLP/JSON documents into the settings' databases; none may be refused."""
    report = await load_documents(
        store,
        documents,
        traces_db=settings.traces_database,
        logs_db=settings.logs_database,
    )
    assert report.problem_count == 0, report.problems


def databases_beside(
    settings: ClickHouseSettings, traces_suffix: str, logs_suffix: str
) -> ClickHouseSettings:
    """The settings of a second database pair named after the test's own."""
    return settings.model_copy(
        update={
            "traces_database": f"{settings.traces_database}_{traces_suffix}",
            "logs_database": f"{settings.logs_database}_{logs_suffix}",
        }
    )


@asynccontextmanager
async def scratch_store(
    settings: ClickHouseSettings, schema: Sequence[str] | None = None
) -> AsyncIterator[EmbeddedExecutor]:
    """An executor over the settings' databases, created with SigNoz's current tables (or the
    `schema` statements given), and dropped when the block ends."""
    if schema is None:
        executor = await open_store(settings)
    else:
        executor = open_executor(settings)
    assert isinstance(executor, EmbeddedExecutor)
    try:
        for statement in schema or ():
            await executor.command(statement)
        yield executor
    finally:
        for database in (settings.traces_database, settings.logs_database):
            await executor.command(f"DROP DATABASE IF EXISTS {database}")
        await executor.close()
