"""Opening the configured store: the executor, plus the SigNoz tables when the store is embedded."""

from __future__ import annotations

from aisher.config import ClickHouseSettings
from aisher.errors import ConfigError
from aisher.signoz.ddl import embedded_schema
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.executor import QueryExecutor, redact_dsn
from aisher.signoz.http_executor import HttpExecutor


async def ensure_embedded_schema(executor: QueryExecutor, traces_db: str, logs_db: str) -> None:
    """Create SigNoz's tables in the embedded engine if they are not there yet."""
    for statement in embedded_schema(traces_db, logs_db):
        await executor.command(statement)


async def open_store(settings: ClickHouseSettings) -> HttpExecutor | EmbeddedExecutor:
    """An executor for the configured store; the embedded one gets its tables on first open."""
    executor = open_executor(settings)
    if isinstance(executor, EmbeddedExecutor):
        try:
            await ensure_embedded_schema(executor, settings.traces_database, settings.logs_database)
        except BaseException:
            await executor.close()
            raise
    return executor


def open_executor(settings: ClickHouseSettings) -> HttpExecutor | EmbeddedExecutor:
    """The executor for the configured DSN; nothing connects until the first query."""
    if settings.embedded:
        return EmbeddedExecutor(settings)
    if not settings.dsn.startswith(("http://", "https://")):
        raise ConfigError(
            "AISHER_CLICKHOUSE_DSN must start with http://, https:// or chdb:// "
            f"(got {redact_dsn(settings.dsn)!r})"
        )
    return HttpExecutor(settings)
