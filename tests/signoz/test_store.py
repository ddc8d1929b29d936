"""The embedded store carries SigNoz's real tables."""

from __future__ import annotations

from aisher.config import ClickHouseSettings
from aisher.signoz.embedded_executor import EmbeddedExecutor


class TestEmbeddedSchema:
    async def test_alias_columns_resolve_through_distributed_names(
        self, store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings
    ) -> None:
        """The v2-compatible ALIAS columns and DEFAULT columns work on the distributed_* name."""
        db = clickhouse_settings.traces_database
        await store.command(
            f"INSERT INTO {db}.signoz_index_v3 (ts_bucket_start, resource_fingerprint, timestamp,"
            " trace_id, span_id, parent_span_id, name, kind, kind_string, duration_nano,"
            " status_code, status_code_string, resources_string, attributes_string, has_error)"
            " VALUES (intDiv(toUnixTimestamp(now()), 1800) * 1800, 'fp', now64(9),"
            " '4bf92f3577b34da6a3ce929d0e0e4736', 'b7ad6b7169203331', '', 'GET /x', 2, 'Server',"
            " 5, 2, 'Error', map('service.name', 'svc'), map('peer.service', 'stripe'), true)"
        )
        result = await store.query(
            f"SELECT toString(traceID), serviceName, peerService FROM {db}."
            "distributed_signoz_index_v3"
        )
        assert result.rows == [("4bf92f3577b34da6a3ce929d0e0e4736", "svc", "stripe")]
        summary = await store.query(f"SELECT num_spans FROM {db}.distributed_trace_summary")
        assert summary.rows == [(1,)]

    async def test_row_cap_truncates_and_says_so(self, store: EmbeddedExecutor) -> None:
        """A result larger than max_rows is cut at the cap and flagged as truncated."""
        result = await store.query("SELECT number FROM numbers(100000)", max_rows=1000)
        assert len(result.rows) == 1000
        assert result.truncated
