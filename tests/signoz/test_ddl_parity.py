"""The embedded store's tables match SigNoz's schema migrator, column by column, index by index.

`data/signoz_migrator_schema.txt` lists what a fresh SigNoz install has, taken from the
collector's migrations (its header names them). The store's own description of its tables
(`system.tables`, `system.columns`, `system.data_skipping_indices`) must read the same, so the
embedded DDL cannot drift from SigNoz's again unnoticed.
"""

from __future__ import annotations

import re
from pathlib import Path

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor

MIGRATOR_SCHEMA = Path(__file__).parent / "data" / "signoz_migrator_schema.txt"
_SECTION = re.compile(r"^\[(\w+)\.(\w+)\]$")
_ENGINE = re.compile(r"^(\w+) PARTITION BY (.*) ORDER BY (.*?) TTL (.*) SETTINGS (.*)$")
_DATABASES = {"signoz_traces", "signoz_logs"}


def normalise(line: str) -> str:
    """One listing line without the spaces and backticks ClickHouse and Go place differently."""
    return re.sub(r"[\s`]", "", line)


def read_migrator_schema() -> dict[tuple[str, str], list[str]]:
    """The checked-in listing, as normalised lines per (database, table)."""
    tables: dict[tuple[str, str], list[str]] = {}
    current: list[str] = []
    for raw in MIGRATOR_SCHEMA.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        section = _SECTION.match(line)
        if section:
            current = tables.setdefault((section[1], section[2]), [])
        else:
            current.append(normalise(line))
    return tables


async def describe_table(executor: EmbeddedExecutor, database: str, table: str) -> list[str]:
    """The store's own description of a table, in the listing's line format."""
    params = {"db": database, "table": table}
    (engine_full,) = (
        await executor.query(
            "SELECT engine_full FROM system.tables WHERE database = {db:String}"
            " AND name = {table:String}",
            params,
        )
    ).rows[0]
    engine = _ENGINE.match(engine_full)
    assert engine is not None, engine_full
    lines = [
        f"engine | {engine[1]}",
        f"partition | {engine[2]}",
        f"order | {engine[3]}",
        f"ttl | {engine[4]}",
        f"settings | {engine[5]}",
    ]
    columns = await executor.query(
        "SELECT name, type, default_kind, default_expression, compression_codec"
        " FROM system.columns WHERE database = {db:String} AND table = {table:String}"
        " ORDER BY position",
        params,
    )
    for name, kind, default_kind, expression, codec in columns.rows:
        default = f"{default_kind} {expression}" if default_kind else ""
        lines.append(f"column | {name} | {kind} | {default} | {codec}")
    indexes = await executor.query(
        "SELECT name, expr, type_full, granularity FROM system.data_skipping_indices"
        " WHERE database = {db:String} AND table = {table:String}",
        params,
    )
    lines += [f"index | {name} | {expr} | {kind} | {g}" for name, expr, kind, g in indexes.rows]
    return [normalise(line) for line in lines]


def _database(settings: ClickHouseSettings, signoz_name: str) -> str:
    return settings.traces_database if signoz_name == "signoz_traces" else settings.logs_database


class TestMigratorParity:
    def test_listing_covers_every_table_the_store_writes(self) -> None:
        """The checked-in listing names the six tables of spans, errors, logs and resources."""
        tables = read_migrator_schema()
        assert {database for database, _ in tables} == _DATABASES
        assert {table for _, table in tables} == {
            "signoz_index_v3",
            "signoz_error_index_v2",
            "traces_v3_resource",
            "trace_summary",
            "logs_v2",
            "logs_v2_resource",
        }

    async def test_tables_match_the_migrator(
        self, store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings
    ) -> None:
        """Engine, keys, TTL, settings, columns (in order) and skip indexes are the migrator's."""
        for (signoz_db, table), expected in read_migrator_schema().items():
            database = _database(clickhouse_settings, signoz_db)
            actual = await describe_table(store, database, table)
            missing = [line for line in expected if line not in actual]
            extra = [line for line in actual if line not in expected]
            assert (missing, extra) == ([], []), f"{table}: missing {missing}, extra {extra}"
            assert actual == expected, f"{table}: column or index order differs"

    async def test_skip_index_counts(
        self, store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings
    ) -> None:
        """Spans carry 22 skip indexes and logs 18, as after traces 1013 and logs 2001."""
        counts = {}
        for signoz_db, table in (("signoz_traces", "signoz_index_v3"), ("signoz_logs", "logs_v2")):
            lines = await describe_table(store, _database(clickhouse_settings, signoz_db), table)
            counts[table] = sum(line.startswith("index|") for line in lines)
        assert counts == {"signoz_index_v3": 22, "logs_v2": 18}

    async def test_distributed_names_have_the_local_columns(
        self, store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings
    ) -> None:
        """Each `distributed_*` stand-in offers exactly its local table's columns."""
        for signoz_db, table in read_migrator_schema():
            database = _database(clickhouse_settings, signoz_db)
            listings = []
            for name in (table, f"distributed_{table}"):
                result = await store.query(
                    "SELECT name, type FROM system.columns"
                    " WHERE database = {db:String} AND table = {table:String} ORDER BY position",
                    {"db": database, "table": name},
                )
                listings.append(result.rows)
            assert listings[1] == listings[0], table
