"""Find out which SigNoz tables a ClickHouse holds, so queries fit old and new installs alike.

SigNoz moved traces from `signoz_index_v2` to `signoz_index_v3` (late 2024) and logs from
`logs` to `logs_v2` (mid 2024); both old tables may linger on upgraded installs. SigNoz always
reads the `distributed_*` tables, which exist on single-node installs too; a bare local table is
the fallback. Optional columns (`resource`, `body_v2`, `body_promoted`, `scope`,
`_retention_days`, …) are never required: `dialect` reads them only where this probe saw them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from aisher.errors import SchemaError
from aisher.signoz.ddl import check_identifier
from aisher.signoz.executor import QueryExecutor


class TraceSchema(StrEnum):
    V3 = "v3"
    V2 = "v2"


class LogSchema(StrEnum):
    V2 = "v2"
    LEGACY = "legacy"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    """The tables to query, fully qualified, and the columns each one has."""

    trace_schema: TraceSchema
    spans_table: str
    errors_table: str | None
    trace_summary_table: str | None
    log_schema: LogSchema
    logs_table: str | None
    columns: Mapping[str, frozenset[str]] = field(default_factory=dict)
    distributed: bool = False  # the span table is a Distributed one: subqueries must be GLOBAL

    def has_column(self, table: str, column: str) -> bool:
        return column in self.columns.get(table, frozenset())


_TABLE_CHOICES = {
    "spans_v3": ("distributed_signoz_index_v3", "signoz_index_v3"),
    "spans_v2": ("distributed_signoz_index_v2", "signoz_index_v2"),
    "errors": ("distributed_signoz_error_index_v2", "signoz_error_index_v2"),
    "summary": ("distributed_trace_summary", "trace_summary"),
    "logs_v2": ("distributed_logs_v2", "logs_v2"),
    "logs_legacy": ("distributed_logs", "logs"),
}
# Columns without which a table cannot serve our queries.
_REQUIRED_COLUMNS = {
    "spans_v3": {"ts_bucket_start", "trace_id", "span_id", "parent_span_id", "has_error"},
    "spans_v2": {"traceID", "spanID", "parentSpanID", "serviceName", "hasError"},
    "errors": {"traceID", "spanID", "groupID", "exceptionType"},
    "logs_v2": {"ts_bucket_start", "trace_id", "span_id", "body"},
    "logs_legacy": {"trace_id", "span_id", "body"},
}


def _pick(kind: str, present: set[str]) -> str | None:
    for name in _TABLE_CHOICES[kind]:
        if name in present:
            return name
    return None


async def probe_schema(executor: QueryExecutor, traces_db: str, logs_db: str) -> SchemaInfo:
    """Read `system.tables` and `system.columns` and choose the tables to query."""
    traces_db, logs_db = check_identifier(traces_db), check_identifier(logs_db)
    tables = await executor.query(
        "SELECT database, name, engine FROM system.tables WHERE database IN {dbs:Array(String)}",
        {"dbs": [traces_db, logs_db]},
        max_rows=10_000,
    )
    traces = {name for db, name, _ in tables.rows if db == traces_db}
    logs = {name for db, name, _ in tables.rows if db == logs_db}
    engines = {(db, name): engine for db, name, engine in tables.rows}

    spans_v3, spans_v2 = _pick("spans_v3", traces), _pick("spans_v2", traces)
    spans_kind, spans_name = ("spans_v3", spans_v3) if spans_v3 else ("spans_v2", spans_v2)
    if spans_name is None:
        raise SchemaError(
            f"no SigNoz span table in database {traces_db!r} "
            "(looked for signoz_index_v3 and signoz_index_v2): is this SigNoz's ClickHouse?"
        )
    logs_v2, logs_legacy = _pick("logs_v2", logs), _pick("logs_legacy", logs)
    log_kind, log_name = ("logs_v2", logs_v2) if logs_v2 else ("logs_legacy", logs_legacy)
    chosen = {
        spans_kind: spans_name,
        "errors": _pick("errors", traces),
        "summary": _pick("summary", traces) if spans_v3 else None,
        log_kind: log_name,
    }
    qualified = {
        kind: _qualify(kind, name, traces_db, logs_db) for kind, name in chosen.items() if name
    }
    columns = await _read_columns(executor, qualified.values())
    for kind, table in qualified.items():
        missing = _REQUIRED_COLUMNS.get(kind, set()) - columns.get(table, frozenset())
        if missing:
            raise SchemaError(
                f"table {table} lacks columns {sorted(missing)}; unsupported SigNoz version"
            )
    if log_name is None:
        log_schema = LogSchema.NONE
    else:
        log_schema = LogSchema.V2 if log_kind == "logs_v2" else LogSchema.LEGACY
    return SchemaInfo(
        trace_schema=TraceSchema.V3 if spans_v3 else TraceSchema.V2,
        spans_table=qualified[spans_kind],
        errors_table=qualified.get("errors"),
        trace_summary_table=qualified.get("summary"),
        log_schema=log_schema,
        logs_table=qualified.get(log_kind),
        columns=columns,
        distributed=engines.get((traces_db, spans_name)) == "Distributed",
    )


def _qualify(kind: str, table: str | None, traces_db: str, logs_db: str) -> str:
    database = logs_db if kind.startswith("logs") else traces_db
    return f"{database}.{table}"


async def _read_columns(
    executor: QueryExecutor, tables: Iterable[str]
) -> dict[str, frozenset[str]]:
    pairs = [tuple(table.split(".", 1)) for table in tables]
    result = await executor.query(
        "SELECT database, table, name FROM system.columns"
        " WHERE (database, table) IN {pairs:Array(Tuple(String, String))}",
        {"pairs": pairs},
        max_rows=100_000,
    )
    columns: dict[str, set[str]] = {}
    for database, table, name in result.rows:
        columns.setdefault(f"{database}.{table}", set()).add(name)
    return {table: frozenset(names) for table, names in columns.items()}
