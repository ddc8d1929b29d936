"""SigNoz's ClickHouse tables for traces, exceptions and logs, as the schema migrator creates them.

Written from the collector's migrations (traces v3 = migration 1000 and later additive ones,
`signoz_error_index_v2` from the squashed set, logs v2 from the custom-retention set). The
embedded store uses them verbatim so that every query runs against the real column types,
DEFAULT and ALIAS columns. On a single embedded engine there is no cluster, so each
`distributed_*` name is a `Merge` table over its local table: reads are identical, and the
loader writes to the local tables.
"""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

TTL_SECONDS = 1_296_000  # 15 days, SigNoz's default retention

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
    ("responseStatusCode", "LowCardinality(String)", "response_status_code"),
    ("externalHttpUrl", "LowCardinality(String)", "external_http_url"),
    ("httpUrl", "LowCardinality(String)", "http_url"),
    ("externalHttpMethod", "LowCardinality(String)", "external_http_method"),
    ("httpMethod", "LowCardinality(String)", "http_method"),
    ("httpHost", "LowCardinality(String)", "http_host"),
    ("dbName", "LowCardinality(String)", "db_name"),
    ("dbOperation", "LowCardinality(String)", "db_operation"),
    ("hasError", "Bool", "has_error"),
    ("isRemote", "LowCardinality(String)", "is_remote"),
    ("serviceName", "LowCardinality(String)", "`resource_string_service$$name`"),
    ("httpRoute", "LowCardinality(String)", "`attribute_string_http$$route`"),
    ("msgSystem", "LowCardinality(String)", "`attribute_string_messaging$$system`"),
    ("msgOperation", "LowCardinality(String)", "`attribute_string_messaging$$operation`"),
    ("dbSystem", "LowCardinality(String)", "`attribute_string_db$$system`"),
    ("rpcSystem", "LowCardinality(String)", "`attribute_string_rpc$$system`"),
    ("rpcService", "LowCardinality(String)", "`attribute_string_rpc$$service`"),
    ("rpcMethod", "LowCardinality(String)", "`attribute_string_rpc$$method`"),
    ("peerService", "LowCardinality(String)", "`attribute_string_peer$$service`"),
)


def check_identifier(name: str) -> str:
    """Database and table names come from settings; refuse anything but a plain identifier."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain ClickHouse identifier: {name!r}")
    return name


def _span_default_columns() -> list[str]:
    columns = [
        "`resource_string_service$$name` LowCardinality(String) "
        "DEFAULT resources_string['service.name'] CODEC(ZSTD(1))"
    ]
    for item in _SPAN_DEFAULT_ATTRIBUTES:
        column, key = item.split(":")
        columns.append(
            f"`attribute_string_{column}` LowCardinality(String) "
            f"DEFAULT attributes_string['{key}'] CODEC(ZSTD(1))"
        )
    columns.append(
        "`resource_string_service$$name_exists` Bool "
        "DEFAULT if(mapContains(resources_string, 'service.name') != 0, true, false) "
        "CODEC(ZSTD(1))"
    )
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
        "name LowCardinality(String) CODEC(ZSTD(1))",
        "kind Int8 CODEC(T64, ZSTD(1))",
        "kind_string String CODEC(ZSTD(1))",
        "duration_nano UInt64 CODEC(T64, ZSTD(1))",
        "status_code Int16 CODEC(T64, ZSTD(1))",
        "status_message String CODEC(ZSTD(1))",
        "status_code_string String CODEC(ZSTD(1))",
        "attributes_string Map(LowCardinality(String), String) CODEC(ZSTD(1))",
        "attributes_number Map(LowCardinality(String), Float64) CODEC(ZSTD(1))",
        "attributes_bool Map(LowCardinality(String), Bool) CODEC(ZSTD(1))",
        "resources_string Map(LowCardinality(String), String) CODEC(ZSTD(1))",
        "resource JSON(max_dynamic_paths = 100) CODEC(ZSTD(1))",
        "events Array(String) CODEC(ZSTD(2))",
        "links String CODEC(ZSTD(1))",
        "response_status_code LowCardinality(String) CODEC(ZSTD(1))",
        "external_http_url LowCardinality(String) CODEC(ZSTD(1))",
        "http_url LowCardinality(String) CODEC(ZSTD(1))",
        "external_http_method LowCardinality(String) CODEC(ZSTD(1))",
        "http_method LowCardinality(String) CODEC(ZSTD(1))",
        "http_host LowCardinality(String) CODEC(ZSTD(1))",
        "db_name LowCardinality(String) CODEC(ZSTD(1))",
        "db_operation LowCardinality(String) CODEC(ZSTD(1))",
        "has_error Bool CODEC(T64, ZSTD(1))",
        "is_remote LowCardinality(String) CODEC(ZSTD(1))",
        *_span_default_columns(),
        *(f"`{alias}` {kind} ALIAS {target}" for alias, kind, target in _SPAN_ALIASES),
        "INDEX idx_trace_id trace_id TYPE tokenbf_v1(10000, 5, 0) GRANULARITY 1",
        "INDEX idx_span_id span_id TYPE tokenbf_v1(5000, 5, 0) GRANULARITY 1",
        "INDEX idx_duration duration_nano TYPE minmax GRANULARITY 1",
        "INDEX idx_name name TYPE ngrambf_v1(4, 5000, 2, 0) GRANULARITY 1",
        "INDEX idx_kind kind TYPE minmax GRANULARITY 4",
        "INDEX idx_timestamp timestamp TYPE minmax GRANULARITY 1",
        "INDEX idx_status_code_string status_code_string TYPE set(3) GRANULARITY 4",
        "INDEX idx_kind_string kind_string TYPE set(5) GRANULARITY 4",
    ]
    return (
        f"CREATE TABLE IF NOT EXISTS {db}.signoz_index_v3 (\n  "
        + ",\n  ".join(columns)
        + "\n) ENGINE = MergeTree\nPARTITION BY toDate(timestamp)\n"
        "ORDER BY (ts_bucket_start, resource_fingerprint, has_error, name, timestamp)\n"
        f"TTL toDateTime(timestamp) + toIntervalSecond({TTL_SECONDS})\n"
        "SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1"
    )


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


def resource_table(db: str, table: str) -> str:
    """`traces_v3_resource` and `logs_v2_resource` share this shape."""
    return f"""CREATE TABLE IF NOT EXISTS {db}.{table} (
  labels String CODEC(ZSTD(5)),
  fingerprint String CODEC(ZSTD(1)),
  seen_at_ts_bucket_start Int64 CODEC(Delta(8), ZSTD(1)),
  INDEX idx_labels lower(labels) TYPE ngrambf_v1(4, 1024, 3, 0) GRANULARITY 1
) ENGINE = ReplacingMergeTree
PARTITION BY toDate(seen_at_ts_bucket_start)
ORDER BY (labels, fingerprint, seen_at_ts_bucket_start)
TTL toDateTime(seen_at_ts_bucket_start) + toIntervalSecond({TTL_SECONDS}) + toIntervalSecond(1800)
SETTINGS ttl_only_drop_parts = 1, index_granularity = 8192"""


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
    return f"""CREATE TABLE IF NOT EXISTS {db}.logs_v2 (
  ts_bucket_start UInt64 CODEC(DoubleDelta, LZ4),
  resource_fingerprint String CODEC(ZSTD(1)),
  timestamp UInt64 CODEC(DoubleDelta, LZ4),
  observed_timestamp UInt64 CODEC(DoubleDelta, LZ4),
  id String CODEC(ZSTD(1)),
  trace_id String CODEC(ZSTD(1)),
  span_id String CODEC(ZSTD(1)),
  trace_flags UInt32,
  severity_text LowCardinality(String) CODEC(ZSTD(1)),
  severity_number UInt8,
  body String CODEC(ZSTD(2)),
  attributes_string Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  attributes_number Map(LowCardinality(String), Float64) CODEC(ZSTD(1)),
  attributes_bool Map(LowCardinality(String), Bool) CODEC(ZSTD(1)),
  resources_string Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  resource JSON(max_dynamic_paths = 100) CODEC(ZSTD(1)),
  scope_name String CODEC(ZSTD(1)),
  scope_version String CODEC(ZSTD(1)),
  scope_string Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  _retention_days UInt16 DEFAULT 15,
  _retention_days_cold UInt16 DEFAULT 0,
  INDEX id_minmax id TYPE minmax GRANULARITY 1,
  INDEX severity_number_idx severity_number TYPE set(25) GRANULARITY 4,
  INDEX severity_text_idx severity_text TYPE set(25) GRANULARITY 4,
  INDEX trace_id_idx trace_id TYPE tokenbf_v1(10000, 5, 0) GRANULARITY 1,
  INDEX span_id_idx span_id TYPE tokenbf_v1(5000, 5, 0) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY (toDate(timestamp / 1000000000), _retention_days, _retention_days_cold)
ORDER BY (ts_bucket_start, resource_fingerprint, severity_text, timestamp, id)
TTL toDateTime(timestamp / 1000000000) + toIntervalDay(_retention_days)
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1"""


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
        resource_table(traces_db, "traces_v3_resource"),
        *trace_summary(traces_db),
        logs_v2(logs_db),
        resource_table(logs_db, "logs_v2_resource"),
        merge_table(traces_db, "distributed_signoz_index_v3", "signoz_index_v3"),
        merge_table(traces_db, "distributed_signoz_error_index_v2", "signoz_error_index_v2"),
        merge_table(traces_db, "distributed_traces_v3_resource", "traces_v3_resource"),
        merge_table(traces_db, "distributed_trace_summary", "trace_summary"),
        merge_table(logs_db, "distributed_logs_v2", "logs_v2"),
        merge_table(logs_db, "distributed_logs_v2_resource", "logs_v2_resource"),
    ]
