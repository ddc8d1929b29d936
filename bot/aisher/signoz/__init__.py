"""Data access for SigNoz's ClickHouse: executors, schema, queries, OTLP import."""
