"""SigNoz's pre-v3 tables, for testing that Aisher still reads old installs.

Installs older than SigNoz 0.60 (late 2024) keep spans in `signoz_traces.signoz_index_v2`
(camelCase columns, `*TagMap` maps, no `ts_bucket_start`); installs older than 0.53 keep logs
in `signoz_logs.logs`, whose attributes are parallel key and value arrays. The DDL below
follows the collector's squashed migrations (`squashed_traces_migrations.go` 1/2,
`squashed_logs_migrations.go` 1/2); `signoz_error_index_v2` has not changed since, so its DDL
is the package's own. As in `aisher.signoz.ddl`, each `distributed_*` table is a `Merge` table
over its local table, since the embedded engine has no cluster.

`insert_legacy` writes an incident into these tables from the rows the OTLP converter makes for
v3, so a test can put the very same incident into both generations (`insert_v3`) and compare.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from aisher.signoz.ddl import check_identifier, merge_table, signoz_error_index_v2
from aisher.signoz.executor import QueryExecutor
from aisher.signoz.rows import ERRORS, LOG_COLUMNS, SPAN_COLUMNS, Row, SigNozBatch

V2_TTL_SECONDS = 604_800  # the squashed migration's default; SigNoz's retention API changes it

_LC = "LowCardinality(String)"
# (name, type, codec) in the order of the collector's migration 1.
_SPAN_V2_COLUMNS = (
    ("timestamp", "DateTime64(9)", "DoubleDelta, LZ4"),
    ("traceID", "FixedString(32)", "ZSTD(1)"),
    ("spanID", "String", "ZSTD(1)"),
    ("parentSpanID", "String", "ZSTD(1)"),
    ("serviceName", _LC, "ZSTD(1)"),
    ("name", _LC, "ZSTD(1)"),
    ("kind", "Int8", "T64, ZSTD(1)"),
    ("durationNano", "UInt64", "T64, ZSTD(1)"),
    ("statusCode", "Int16", "T64, ZSTD(1)"),
    ("externalHttpMethod", _LC, "ZSTD(1)"),
    ("externalHttpUrl", _LC, "ZSTD(1)"),
    ("dbSystem", _LC, "ZSTD(1)"),
    ("dbName", _LC, "ZSTD(1)"),
    ("dbOperation", _LC, "ZSTD(1)"),
    ("peerService", _LC, "ZSTD(1)"),
    ("events", "Array(String)", "ZSTD(2)"),
    ("httpMethod", _LC, "ZSTD(1)"),
    ("httpUrl", _LC, "ZSTD(1)"),
    ("httpRoute", _LC, "ZSTD(1)"),
    ("httpHost", _LC, "ZSTD(1)"),
    ("msgSystem", _LC, "ZSTD(1)"),
    ("msgOperation", _LC, "ZSTD(1)"),
    ("hasError", "Bool", "T64, ZSTD(1)"),
    ("rpcSystem", _LC, "ZSTD(1)"),
    ("rpcService", _LC, "ZSTD(1)"),
    ("rpcMethod", _LC, "ZSTD(1)"),
    ("responseStatusCode", _LC, "ZSTD(1)"),
    ("stringTagMap", "Map(String, String)", "ZSTD(1)"),
    ("numberTagMap", "Map(String, Float64)", "ZSTD(1)"),
    ("boolTagMap", "Map(String, Bool)", "ZSTD(1)"),
    ("resourceTagsMap", f"Map({_LC}, String)", "ZSTD(1)"),
    ("isRemote", _LC, "ZSTD(1)"),
    ("statusMessage", "String", "ZSTD(1)"),
    ("statusCodeString", "String", "ZSTD(1)"),
    ("spanKind", "String", "ZSTD(1)"),
)
_SPAN_V2_INDEXES = (
    "idx_service serviceName TYPE bloom_filter GRANULARITY 4",
    "idx_name name TYPE bloom_filter GRANULARITY 4",
    "idx_kind kind TYPE minmax GRANULARITY 4",
    "idx_duration durationNano TYPE minmax GRANULARITY 1",
    "idx_hasError hasError TYPE set(2) GRANULARITY 1",
    "idx_httpRoute httpRoute TYPE bloom_filter GRANULARITY 4",
    "idx_httpUrl httpUrl TYPE bloom_filter GRANULARITY 4",
    "idx_httpHost httpHost TYPE bloom_filter GRANULARITY 4",
    "idx_httpMethod httpMethod TYPE bloom_filter GRANULARITY 4",
    "idx_timestamp timestamp TYPE minmax GRANULARITY 1",
    "idx_rpcMethod rpcMethod TYPE bloom_filter GRANULARITY 4",
    "idx_responseStatusCode responseStatusCode TYPE set(0) GRANULARITY 1",
    "idx_resourceTagsMapKeys mapKeys(resourceTagsMap) TYPE bloom_filter(0.01) GRANULARITY 64",
    "idx_resourceTagsMapValues mapValues(resourceTagsMap) TYPE bloom_filter(0.01) GRANULARITY 64",
    "idx_statusCodeString statusCodeString TYPE set(3) GRANULARITY 4",
    "idx_spanKind spanKind TYPE set(5) GRANULARITY 4",
)
_LOG_LEGACY_COLUMNS = (
    ("timestamp", "UInt64", "DoubleDelta, LZ4"),
    ("observed_timestamp", "UInt64", "DoubleDelta, LZ4"),
    ("id", "String", "ZSTD(1)"),
    ("trace_id", "String", "ZSTD(1)"),
    ("span_id", "String", "ZSTD(1)"),
    ("trace_flags", "UInt32", ""),
    ("severity_text", _LC, "ZSTD(1)"),
    ("severity_number", "UInt8", ""),
    ("body", "String", "ZSTD(2)"),
    ("resources_string_key", "Array(String)", "ZSTD(1)"),
    ("resources_string_value", "Array(String)", "ZSTD(1)"),
    ("attributes_string_key", "Array(String)", "ZSTD(1)"),
    ("attributes_string_value", "Array(String)", "ZSTD(1)"),
    ("attributes_int64_key", "Array(String)", "ZSTD(1)"),
    ("attributes_int64_value", "Array(Int64)", "ZSTD(1)"),
    ("attributes_float64_key", "Array(String)", "ZSTD(1)"),
    ("attributes_float64_value", "Array(Float64)", "ZSTD(1)"),
    ("attributes_bool_key", "Array(String)", "ZSTD(1)"),
    ("attributes_bool_value", "Array(Bool)", "ZSTD(1)"),
    ("scope_name", "String", "ZSTD(1)"),
    ("scope_version", "String", "ZSTD(1)"),
    ("scope_string_key", "Array(String)", "ZSTD(1)"),
    ("scope_string_value", "Array(String)", "ZSTD(1)"),
)
_LOG_LEGACY_INDEXES = (
    "id_minmax id TYPE minmax GRANULARITY 1",
    "severity_number_idx severity_number TYPE set(25) GRANULARITY 4",
    "severity_text_idx severity_text TYPE set(25) GRANULARITY 4",
    "trace_flags_idx trace_flags TYPE bloom_filter GRANULARITY 4",
    "body_idx lower(body) TYPE ngrambf_v1(4, 60000, 5, 0) GRANULARITY 1",
    "scope_name_idx scope_name TYPE tokenbf_v1(10240, 3, 0) GRANULARITY 4",
)
SPAN_V2_COLUMN_NAMES = tuple(name for name, _, _ in _SPAN_V2_COLUMNS)
LOG_LEGACY_COLUMN_NAMES = tuple(name for name, _, _ in _LOG_LEGACY_COLUMNS)


def _column_list(columns: Iterable[tuple[str, str, str]], indexes: Iterable[str]) -> str:
    lines = [
        f"{name} {kind}" + (f" CODEC({codec})" if codec else "") for name, kind, codec in columns
    ]
    lines += [f"INDEX {index}" for index in indexes]
    return ",\n  ".join(lines)


def signoz_index_v2(db: str) -> str:
    return f"""CREATE TABLE IF NOT EXISTS {db}.signoz_index_v2 (
  {_column_list(_SPAN_V2_COLUMNS, _SPAN_V2_INDEXES)},
  PROJECTION timestampSort (SELECT * ORDER BY timestamp)
) ENGINE = MergeTree
PARTITION BY toDate(timestamp)
PRIMARY KEY (serviceName, hasError, toStartOfHour(timestamp), name)
ORDER BY (serviceName, hasError, toStartOfHour(timestamp), name, timestamp)
TTL toDateTime(timestamp) + toIntervalSecond({V2_TTL_SECONDS})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1"""


def legacy_logs(db: str) -> str:
    return f"""CREATE TABLE IF NOT EXISTS {db}.logs (
  {_column_list(_LOG_LEGACY_COLUMNS, _LOG_LEGACY_INDEXES)}
) ENGINE = MergeTree
PARTITION BY toDate(timestamp / 1000000000)
ORDER BY (timestamp, id)
TTL toDateTime(timestamp / 1000000000) + toIntervalSecond(1296000)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1"""


def legacy_schema(traces_db: str, logs_db: str, *, distributed: bool = True) -> list[str]:
    """Every statement that creates an old install: v2 spans, the error index, legacy logs."""
    traces_db, logs_db = check_identifier(traces_db), check_identifier(logs_db)
    statements = [
        f"CREATE DATABASE IF NOT EXISTS {traces_db}",
        f"CREATE DATABASE IF NOT EXISTS {logs_db}",
        signoz_index_v2(traces_db),
        signoz_error_index_v2(traces_db),
        legacy_logs(logs_db),
    ]
    if distributed:
        statements += [
            merge_table(traces_db, "distributed_signoz_index_v2", "signoz_index_v2"),
            merge_table(traces_db, "distributed_signoz_error_index_v2", "signoz_error_index_v2"),
            merge_table(logs_db, "distributed_logs", "logs"),
        ]
    return statements


def v2_span_row(row: Row) -> Row:
    """A v3 span row (`rows.SPAN_COLUMNS` order) as the v2 exporter wrote the same span."""
    span = dict(zip(SPAN_COLUMNS, row, strict=True))
    attributes: Mapping[str, str] = span["attributes_string"]
    values = {
        "timestamp": span["timestamp"],
        "traceID": span["trace_id"],
        "spanID": span["span_id"],
        "parentSpanID": span["parent_span_id"],
        "serviceName": span["resources_string"].get("service.name", ""),
        "name": span["name"],
        "kind": span["kind"],
        "durationNano": span["duration_nano"],
        "statusCode": span["status_code"],
        "externalHttpMethod": span["external_http_method"],
        "externalHttpUrl": span["external_http_url"],
        "dbSystem": attributes.get("db.system", ""),
        "dbName": span["db_name"],
        "dbOperation": span["db_operation"],
        "peerService": attributes.get("peer.service", ""),
        "events": span["events"],
        "httpMethod": span["http_method"],
        "httpUrl": span["http_url"],
        "httpRoute": attributes.get("http.route", ""),
        "httpHost": span["http_host"],
        "msgSystem": attributes.get("messaging.system", ""),
        "msgOperation": attributes.get("messaging.operation", ""),
        "hasError": span["has_error"],
        "rpcSystem": attributes.get("rpc.system", ""),
        "rpcService": attributes.get("rpc.service", ""),
        "rpcMethod": attributes.get("rpc.method", ""),
        "responseStatusCode": span["response_status_code"],
        "stringTagMap": attributes,
        "numberTagMap": span["attributes_number"],
        "boolTagMap": span["attributes_bool"],
        "resourceTagsMap": span["resources_string"],
        "isRemote": span["is_remote"],
        "statusMessage": span["status_message"],
        "statusCodeString": span["status_code_string"],
        "spanKind": span["kind_string"],
    }
    return tuple(values[name] for name in SPAN_V2_COLUMN_NAMES)


def legacy_log_row(row: Row) -> Row:
    """A logs_v2 row (`rows.LOG_COLUMNS` order) as the pre-0.53 exporter wrote the same record:
    maps become sorted key and value arrays, and numbers split into int64 and float64."""
    log = dict(zip(LOG_COLUMNS, row, strict=True))
    numbers: Mapping[str, float] = log["attributes_number"]
    integers = {k: int(v) for k, v in numbers.items() if float(v).is_integer()}
    floats = {k: v for k, v in numbers.items() if k not in integers}
    values: dict[str, Any] = {
        name: log[name]
        for name in (
            "timestamp",
            "observed_timestamp",
            "id",
            "trace_id",
            "span_id",
            "trace_flags",
            "severity_text",
            "severity_number",
            "body",
            "scope_name",
            "scope_version",
        )
    }
    for prefix, mapping in (
        ("resources_string", log["resources_string"]),
        ("attributes_string", log["attributes_string"]),
        ("attributes_int64", integers),
        ("attributes_float64", floats),
        ("attributes_bool", log["attributes_bool"]),
        ("scope_string", log["scope_string"]),
    ):
        keys = sorted(mapping)
        values[f"{prefix}_key"] = keys
        values[f"{prefix}_value"] = [mapping[key] for key in keys]
    return tuple(values[name] for name in LOG_LEGACY_COLUMN_NAMES)


async def insert_legacy(
    executor: QueryExecutor, batches: Iterable[SigNozBatch], *, traces_db: str, logs_db: str
) -> None:
    """Write converted OTLP rows into an old install's local tables."""
    spans: list[Row] = []
    errors: list[Row] = []
    logs: list[Row] = []
    for batch in batches:
        spans += [v2_span_row(row) for row in batch.spans]
        errors += batch.errors
        logs += [legacy_log_row(row) for row in batch.logs]
    if spans:
        await executor.insert(f"{traces_db}.signoz_index_v2", spans, SPAN_V2_COLUMN_NAMES)
    if errors:
        await executor.insert(f"{traces_db}.{ERRORS.name}", errors, ERRORS.columns)
    if logs:
        await executor.insert(f"{logs_db}.logs", logs, LOG_LEGACY_COLUMN_NAMES)


async def insert_v3(
    executor: QueryExecutor, batches: Iterable[SigNozBatch], *, traces_db: str, logs_db: str
) -> None:
    """Write the same rows into the v3 tables, table by table, as the loader does."""
    for batch in batches:
        for table, rows in batch.by_table():
            if rows:
                database = traces_db if table.signal == "traces" else logs_db
                await executor.insert(f"{database}.{table.name}", rows, table.columns)
