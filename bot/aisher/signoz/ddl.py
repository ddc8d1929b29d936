"""SigNoz's ClickHouse tables for traces, exceptions and logs, as the schema migrator creates them.

Written from the collector's schema migrator (`SigNoz/signoz-otel-collector`,
`cmd/signozschemamigrator`) as a fresh install runs it today: traces v3 from migration 1000 plus
the additive 1005 (`*_exists`), 1006 (`resource`), 1009 (`scope`), 1011 (JSON serialisation
settings), 1012 (`attributes`), 1013 (its paths index) and 1014 (`inserted_at`, `created_at`);
`signoz_error_index_v2` from the squashed set; logs v2 from the custom-retention set plus logs
1004 (`resource`), 1005 (id indexes), 2001 (`body_v2`, `body_promoted` and their indexes) and
2002. Columns keep the order a migrated install has: each migration appends, except where it
names the column to follow. `tests/signoz/test_ddl_parity.py` holds the embedded tables to a
list taken from the migrator.

The embedded store uses these verbatim so that every query runs against the real column types,
DEFAULT and ALIAS columns and skip indexes. On a single embedded engine there is no cluster, so
each `distributed_*` name is a `Merge` table over its local table: reads are identical, and the
loader writes to the local tables.
"""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

TTL_SECONDS = 1_296_000  # 15 days, SigNoz's default retention
# Migrations 1011 (traces) and 2001 (logs): the newer on-disk layout of JSON columns.
_JSON_SETTINGS = (
    "object_serialization_version = 'v3', object_shared_data_serialization_version = 'advanced'"
)
_LC = "LowCardinality(String)"
_STRING_MAP = f"Map({_LC}, String)"

_SPAN_DEFAULT_ATTRIBUTES = (
    "http$$route:http.route",
    "messaging$$system:messaging.system",
    "messaging$$operation:messaging.operation",
    "db$$system:db.system",
    "rpc$$system:rpc.system",
    "rpc$$service:rpc.service",
    "rpc$$method:rpc.method",
    "peer$$service:peer.service",
)

_SPAN_ALIASES = (
    ("traceID", "FixedString(32)", "trace_id"),
    ("spanID", "String", "span_id"),
    ("parentSpanID", "String", "parent_span_id"),
    ("spanKind", "String", "kind_string"),
    ("durationNano", "UInt64", "duration_nano"),
    ("statusCode", "Int16", "status_code"),
    ("statusMessage", "String", "status_message"),
    ("statusCodeString", "String", "status_code_string"),
    ("references", "String", "links"),
    ("responseStatusCode", _LC, "response_status_code"),
    ("externalHttpUrl", _LC, "external_http_url"),
    ("httpUrl", _LC, "http_url"),
    ("externalHttpMethod", _LC, "external_http_method"),
    ("httpMethod", _LC, "http_method"),
    ("httpHost", _LC, "http_host"),
    ("dbName", _LC, "db_name"),
    ("dbOperation", _LC, "db_operation"),
    ("hasError", "Bool", "has_error"),
    ("isRemote", _LC, "is_remote"),
    ("serviceName", _LC, "`resource_string_service$$name`"),
    ("httpRoute", _LC, "`attribute_string_http$$route`"),
    ("msgSystem", _LC, "`attribute_string_messaging$$system`"),
    ("msgOperation", _LC, "`attribute_string_messaging$$operation`"),
    ("dbSystem", _LC, "`attribute_string_db$$system`"),
    ("rpcSystem", _LC, "`attribute_string_rpc$$system`"),
    ("rpcService", _LC, "`attribute_string_rpc$$service`"),
    ("rpcMethod", _LC, "`attribute_string_rpc$$method`"),
    ("peerService", _LC, "`attribute_string_peer$$service`"),
)

# (name, expression, type, granularity) in migration order.
_MAP_INDEXES = (
    ("attributes_string_idx_key", "mapKeys(attributes_string)", "tokenbf_v1(1024, 2, 0)", 1),
    ("attributes_string_idx_val", "mapValues(attributes_string)", "ngrambf_v1(4, 5000, 2, 0)", 1),
    ("attributes_number_idx_key", "mapKeys(attributes_number)", "tokenbf_v1(1024, 2, 0)", 1),
    ("attributes_number_idx_val", "mapValues(attributes_number)", "bloom_filter", 1),
    ("attributes_bool_idx_key", "mapKeys(attributes_bool)", "tokenbf_v1(1024, 2, 0)", 1),
)
_SPAN_INDEXES = (
    ("idx_trace_id", "trace_id", "tokenbf_v1(10000, 5, 0)", 1),
    ("idx_span_id", "span_id", "tokenbf_v1(5000, 5, 0)", 1),
    ("idx_duration", "duration_nano", "minmax", 1),
    ("idx_name", "name", "ngrambf_v1(4, 5000, 2, 0)", 1),
    ("idx_kind", "kind", "minmax", 4),
    ("idx_http_route", "`attribute_string_http$$route`", "bloom_filter", 4),
    ("idx_http_url", "http_url", "bloom_filter", 4),
    ("idx_http_host", "http_host", "bloom_filter", 4),
    ("idx_http_method", "http_method", "bloom_filter", 4),
    ("idx_timestamp", "timestamp", "minmax", 1),
    ("idx_rpc_method", "`attribute_string_rpc$$method`", "bloom_filter", 4),
    ("idx_response_statusCode", "response_status_code", "set(0)", 1),
    ("idx_status_code_string", "status_code_string", "set(3)", 4),
    ("idx_kind_string", "kind_string", "set(5)", 4),
    *_MAP_INDEXES,
    ("resources_string_idx_key", "mapKeys(resources_string)", "tokenbf_v1(1024, 2, 0)", 1),
    ("resources_string_idx_val", "mapValues(resources_string)", "ngrambf_v1(4, 5000, 2, 0)", 1),
    ("attributes_paths_tokenbf", "JSONAllPaths(attributes)", "tokenbf_v1(1024, 2, 0)", 1),  # 1013
)
_LOG_INDEXES = (
    ("id_minmax", "id", "minmax", 1),
    ("severity_number_idx", "severity_number", "set(25)", 4),
    ("severity_text_idx", "severity_text", "set(25)", 4),
    ("trace_flags_idx", "trace_flags", "bloom_filter", 4),
    ("body_index_v2_token", "lower(body)", "tokenbf_v1(10000, 2, 0)", 1),
    ("body_index_v2_ngram", "lower(body)", "ngrambf_v1(4, 15000, 3, 0)", 1),
    ("scope_name_idx", "scope_name", "tokenbf_v1(10240, 3, 0)", 4),
    *_MAP_INDEXES,
    ("trace_id_idx", "trace_id", "tokenbf_v1(10000, 5, 0)", 1),  # logs 1005
    ("span_id_idx", "span_id", "tokenbf_v1(5000, 5, 0)", 1),
    ("body_v2_string_ngram_idx", "lower(toString(body_v2))", "ngrambf_v1(4, 15000, 3, 0)", 1),
    ("body_v2_string_token_idx", "lower(toString(body_v2))", "tokenbf_v1(10000, 2, 0)", 1),
    ("body_v2_paths_ngram_idx", "JSONAllPaths(body_v2)", "ngrambf_v1(4, 15000, 3, 0)", 1),
    ("body_v2_paths_token_idx", "JSONAllPaths(body_v2)", "tokenbf_v1(10000, 2, 0)", 1),
)
_RESOURCE_INDEXES = (
    ("idx_labels", "lower(labels)", "ngrambf_v1(4, 1024, 3, 0)", 1),
    ("idx_labels_v1", "labels", "ngrambf_v1(4, 1024, 3, 0)", 1),
)
# Traces 1014 and logs 2002: `inserted_at` is set by the collector, `created_at` by ClickHouse.
_INSERTION_TIMES = (
    "inserted_at DateTime64(3) CODEC(Delta(8), ZSTD(1))",
    "created_at DateTime64(3) DEFAULT now64(3) CODEC(Delta(8), ZSTD(1))",
)


def check_identifier(name: str) -> str:
    """Database and table names come from settings; refuse anything but a plain identifier."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain ClickHouse identifier: {name!r}")
    return name


def _indexes(indexes: tuple[tuple[str, str, str, int], ...]) -> list[str]:
    return [
        f"INDEX {name} {expression} TYPE {kind} GRANULARITY {granularity}"
        for name, expression, kind, granularity in indexes
    ]


def _create(db: str, table: str, body: list[str], engine: str) -> str:
    return f"CREATE TABLE IF NOT EXISTS {db}.{table} (\n  " + ",\n  ".join(body) + f"\n) {engine}"


def _span_default_columns() -> list[str]:
    columns = [
        f"`resource_string_service$$name` {_LC} "
        "DEFAULT resources_string['service.name'] CODEC(ZSTD(1))"
    ]
    for item in _SPAN_DEFAULT_ATTRIBUTES:
        column, key = item.split(":")
        columns.append(
            f"`attribute_string_{column}` {_LC} DEFAULT attributes_string['{key}'] CODEC(ZSTD(1))"
        )
    return columns


def _span_exists_columns() -> list[str]:
    """Migration 1005: whether each DEFAULT column's key was present at all."""
    columns = [
        "`resource_string_service$$name_exists` Bool "
        "DEFAULT if(mapContains(resources_string, 'service.name') != 0, true, false) "
        "CODEC(ZSTD(1))"
    ]
    for item in _SPAN_DEFAULT_ATTRIBUTES:
        column, key = item.split(":")
        columns.append(
            f"`attribute_string_{column}_exists` Bool "
            f"DEFAULT if(mapContains(attributes_string, '{key}') != 0, true, false) "
            "CODEC(ZSTD(1))"
        )
    return columns


def signoz_index_v3(db: str) -> str:
    columns = [
        "ts_bucket_start UInt64 CODEC(DoubleDelta, LZ4)",
        "resource_fingerprint String CODEC(ZSTD(1))",
        "timestamp DateTime64(9) CODEC(DoubleDelta, LZ4)",
        "trace_id FixedString(32) CODEC(ZSTD(1))",
        "span_id String CODEC(ZSTD(1))",
        "trace_state String CODEC(ZSTD(1))",
        "parent_span_id String CODEC(ZSTD(1))",
        "flags UInt32 CODEC(T64, ZSTD(1))",
        f"name {_LC} CODEC(ZSTD(1))",
        "kind Int8 CODEC(T64, ZSTD(1))",
        "kind_string String CODEC(ZSTD(1))",
        "duration_nano UInt64 CODEC(T64, ZSTD(1))",
        "status_code Int16 CODEC(T64, ZSTD(1))",
        "status_message String CODEC(ZSTD(1))",
        "status_code_string String CODEC(ZSTD(1))",
        f"attributes_string {_STRING_MAP} CODEC(ZSTD(1))",
        f"attributes_number Map({_LC}, Float64) CODEC(ZSTD(1))",
        f"attributes_bool Map({_LC}, Bool) CODEC(ZSTD(1))",
        # 1012 places it after attributes_bool. The exporter that wrote it was reverted: empty.
        "attributes JSON(max_dynamic_paths = 0) CODEC(ZSTD(1))",
        f"resources_string {_STRING_MAP} CODEC(ZSTD(1))",
        "events Array(String) CODEC(ZSTD(2))",
        "links String CODEC(ZSTD(1))",
        f"response_status_code {_LC} CODEC(ZSTD(1))",
        f"external_http_url {_LC} CODEC(ZSTD(1))",
        f"http_url {_LC} CODEC(ZSTD(1))",
        f"external_http_method {_LC} CODEC(ZSTD(1))",
        f"http_method {_LC} CODEC(ZSTD(1))",
        f"http_host {_LC} CODEC(ZSTD(1))",
        f"db_name {_LC} CODEC(ZSTD(1))",
        f"db_operation {_LC} CODEC(ZSTD(1))",
        "has_error Bool CODEC(T64, ZSTD(1))",
        f"is_remote {_LC} CODEC(ZSTD(1))",
        *_span_default_columns(),
        *(f"`{alias}` {kind} ALIAS {target}" for alias, kind, target in _SPAN_ALIASES),
        *_span_exists_columns(),
        "resource JSON(max_dynamic_paths = 100) CODEC(ZSTD(1))",  # 1006
        "scope JSON(max_dynamic_paths = 0, name String, version String, "  # 1009
        "attributes JSON(max_dynamic_paths = 0)) CODEC(ZSTD(1))",
        *_INSERTION_TIMES,
        *_indexes(_SPAN_INDEXES),
    ]
    engine = (
        "ENGINE = MergeTree\nPARTITION BY toDate(timestamp)\n"
        "ORDER BY (ts_bucket_start, resource_fingerprint, has_error, name, timestamp)\n"
        f"TTL toDateTime(timestamp) + toIntervalSecond({TTL_SECONDS})\n"
        f"SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {_JSON_SETTINGS}"
    )
    return _create(db, "signoz_index_v3", columns, engine)


def signoz_error_index_v2(db: str) -> str:
    return f"""CREATE TABLE IF NOT EXISTS {db}.signoz_error_index_v2 (
  timestamp DateTime64(9) CODEC(DoubleDelta, LZ4),
  errorID FixedString(32) CODEC(ZSTD(1)),
  groupID FixedString(32) CODEC(ZSTD(1)),
  traceID FixedString(32) CODEC(ZSTD(1)),
  spanID String CODEC(ZSTD(1)),
  serviceName LowCardinality(String) CODEC(ZSTD(1)),
  exceptionType LowCardinality(String) CODEC(ZSTD(1)),
  exceptionMessage String CODEC(ZSTD(1)),
  exceptionStacktrace String CODEC(ZSTD(1)),
  exceptionEscaped Bool CODEC(T64, ZSTD(1)),
  resourceTagsMap Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  INDEX idx_error_id errorID TYPE bloom_filter GRANULARITY 4,
  INDEX idx_resourceTagsMapKeys mapKeys(resourceTagsMap) TYPE bloom_filter(0.01) GRANULARITY 64,
  INDEX idx_resourceTagsMapValues mapValues(resourceTagsMap) TYPE bloom_filter(0.01) GRANULARITY 64
) ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (timestamp, groupID)
TTL toDateTime(timestamp) + toIntervalSecond({TTL_SECONDS})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1"""


_RESOURCE_COLUMNS = [
    "labels String CODEC(ZSTD(5))",
    "fingerprint String CODEC(ZSTD(1))",
    "seen_at_ts_bucket_start Int64 CODEC(Delta(8), ZSTD(1))",
]
# Logs tables of custom-retention installs (collector ≥ 0.129.3): retention per row.
_RETENTION_COLUMNS = [
    "_retention_days UInt16 DEFAULT 15",
    "_retention_days_cold UInt16 DEFAULT 0",
]


def traces_v3_resource(db: str) -> str:
    engine = (
        "ENGINE = ReplacingMergeTree\nPARTITION BY toDate(seen_at_ts_bucket_start)\n"
        "ORDER BY (labels, fingerprint, seen_at_ts_bucket_start)\n"
        f"TTL toDateTime(seen_at_ts_bucket_start) + toIntervalSecond({TTL_SECONDS})"
        " + toIntervalSecond(1800)\n"
        "SETTINGS ttl_only_drop_parts = 1, index_granularity = 8192"
    )
    return _create(
        db, "traces_v3_resource", [*_RESOURCE_COLUMNS, *_indexes(_RESOURCE_INDEXES)], engine
    )


def logs_v2_resource(db: str) -> str:
    engine = (
        "ENGINE = ReplacingMergeTree\n"
        "PARTITION BY (toDate(seen_at_ts_bucket_start), _retention_days, _retention_days_cold)\n"
        "ORDER BY (labels, fingerprint, seen_at_ts_bucket_start)\n"
        "TTL toDateTime(seen_at_ts_bucket_start) + toIntervalDay(_retention_days)"
        " + toIntervalSecond(1800)\n"
        "SETTINGS ttl_only_drop_parts = 1, index_granularity = 8192"
    )
    body = [*_RESOURCE_COLUMNS, *_RETENTION_COLUMNS, *_indexes(_RESOURCE_INDEXES)]
    return _create(db, "logs_v2_resource", body, engine)


def trace_summary(db: str) -> list[str]:
    """`trace_summary` and the materialized view that fills it from the span table."""
    return [
        f"""CREATE TABLE IF NOT EXISTS {db}.trace_summary (
  trace_id String CODEC(ZSTD(1)),
  start SimpleAggregateFunction(min, DateTime64(9)) CODEC(ZSTD(1)),
  end SimpleAggregateFunction(max, DateTime64(9)) CODEC(ZSTD(1)),
  num_spans SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1))
) ENGINE = AggregatingMergeTree
PARTITION BY toDate(end)
ORDER BY trace_id
TTL toDateTime(end) + toIntervalSecond({TTL_SECONDS})
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1""",
        f"""CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.trace_summary_mv TO {db}.trace_summary
AS SELECT trace_id, min(timestamp) AS start, max(timestamp) AS end, toUInt64(count()) AS num_spans
FROM {db}.signoz_index_v3 GROUP BY trace_id""",
    ]


def logs_v2(db: str) -> str:
    columns = [
        "ts_bucket_start UInt64 CODEC(DoubleDelta, LZ4)",
        "resource_fingerprint String CODEC(ZSTD(1))",
        "timestamp UInt64 CODEC(DoubleDelta, LZ4)",
        "observed_timestamp UInt64 CODEC(DoubleDelta, LZ4)",
        "id String CODEC(ZSTD(1))",
        "trace_id String CODEC(ZSTD(1))",
        "span_id String CODEC(ZSTD(1))",
        "trace_flags UInt32",
        f"severity_text {_LC} CODEC(ZSTD(1))",
        "severity_number UInt8",
        "body String CODEC(ZSTD(2))",
        # 2001: with the exporter's `body_json_enabled`, a map body lands here and `body` is ''.
        "body_v2 JSON(max_dynamic_paths = 0, message String) CODEC(ZSTD(1))",
        "body_promoted JSON CODEC(ZSTD(1))",
        f"attributes_string {_STRING_MAP} CODEC(ZSTD(1))",
        f"attributes_number Map({_LC}, Float64) CODEC(ZSTD(1))",
        f"attributes_bool Map({_LC}, Bool) CODEC(ZSTD(1))",
        f"resources_string {_STRING_MAP} CODEC(ZSTD(1))",
        "scope_name String CODEC(ZSTD(1))",
        "scope_version String CODEC(ZSTD(1))",
        f"scope_string {_STRING_MAP} CODEC(ZSTD(1))",
        *_RETENTION_COLUMNS,
        "resource JSON(max_dynamic_paths = 100) CODEC(ZSTD(1))",  # 1004
        *_INSERTION_TIMES,
        *_indexes(_LOG_INDEXES),
    ]
    engine = (
        "ENGINE = MergeTree\n"
        "PARTITION BY (toDate(timestamp / 1000000000), _retention_days, _retention_days_cold)\n"
        "ORDER BY (ts_bucket_start, resource_fingerprint, severity_text, timestamp, id)\n"
        "TTL toDateTime(timestamp / 1000000000) + toIntervalDay(_retention_days)\n"
        f"SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {_JSON_SETTINGS}"
    )
    return _create(db, "logs_v2", columns, engine)


def merge_table(db: str, distributed: str, local: str) -> str:
    """The embedded stand-in for SigNoz's `distributed_*` table over `local`."""
    return (
        f"CREATE TABLE IF NOT EXISTS {db}.{distributed} AS {db}.{local} "
        f"ENGINE = Merge('{db}', '^{local}$')"
    )


def embedded_schema(traces_db: str, logs_db: str) -> list[str]:
    """Every statement that creates the embedded SigNoz store, in order."""
    traces_db, logs_db = check_identifier(traces_db), check_identifier(logs_db)
    return [
        f"CREATE DATABASE IF NOT EXISTS {traces_db}",
        f"CREATE DATABASE IF NOT EXISTS {logs_db}",
        signoz_index_v3(traces_db),
        signoz_error_index_v2(traces_db),
        traces_v3_resource(traces_db),
        *trace_summary(traces_db),
        logs_v2(logs_db),
        logs_v2_resource(logs_db),
        merge_table(traces_db, "distributed_signoz_index_v3", "signoz_index_v3"),
        merge_table(traces_db, "distributed_signoz_error_index_v2", "signoz_error_index_v2"),
        merge_table(traces_db, "distributed_traces_v3_resource", "traces_v3_resource"),
        merge_table(traces_db, "distributed_trace_summary", "trace_summary"),
        merge_table(logs_db, "distributed_logs_v2", "logs_v2"),
        merge_table(logs_db, "distributed_logs_v2_resource", "logs_v2_resource"),
    ]
