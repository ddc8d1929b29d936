"""Private databases inside the benchmark's embedded engine, one pair per loaded dataset."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from aisher.config import ClickHouseSettings, QueryLimits
from aisher.signoz.ddl import embedded_schema
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.loader import LoadReport, load_documents
from aisher.signoz.probe import probe_schema
from aisher.signoz.repository import SignozRepository

_numbers = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Dataset:
    traces_db: str
    logs_db: str
    repository: SignozRepository
    load: LoadReport


async def create_databases(executor: QueryExecutor, prefix: str) -> tuple[str, str]:
    """A fresh pair of SigNoz databases, e.g. `bench3_traces` / `bench3_logs`."""
    number = next(_numbers)
    traces_db, logs_db = f"{prefix}{number}_traces", f"{prefix}{number}_logs"
    for statement in embedded_schema(traces_db, logs_db):
        await executor.command(statement)
    return traces_db, logs_db


async def load_dataset(
    executor: QueryExecutor, lines: tuple[str, ...] | list[str], *, prefix: str = "bench"
) -> Dataset:
    """Load OTLP lines into fresh databases and return a repository reading them."""
    traces_db, logs_db = await create_databases(executor, prefix)
    load = await load_documents(executor, lines, traces_db=traces_db, logs_db=logs_db)
    schema = await probe_schema(executor, traces_db, logs_db)
    return Dataset(traces_db, logs_db, SignozRepository(executor, schema, QueryLimits()), load)


async def drop_dataset(executor: QueryExecutor, dataset: Dataset) -> None:
    for database in (dataset.traces_db, dataset.logs_db):
        await executor.command(f"DROP DATABASE IF EXISTS {database}")


def bench_settings(path: str) -> ClickHouseSettings:
    return ClickHouseSettings(
        dsn=f"chdb://{path}", traces_database="bench_traces", logs_database="bench_logs"
    )
