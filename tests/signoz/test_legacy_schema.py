"""Old SigNoz installs: v2 span tables and the legacy array-based logs table.

The same incident rows go into a v3 install and an old one; the repository must answer the same
questions with the same records from both, and never need a column only newer installs have.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from aisher.config import ClickHouseSettings, QueryLimits
from aisher.signoz.ddl import embedded_schema
from aisher.signoz.document_rows import parse_line
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.executor import QueryRows
from aisher.signoz.probe import LogSchema, TraceSchema, probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.signoz.rows import SigNozBatch
from aisher.signoz.store import ensure_embedded_schema
from aisher.telemetry import index_spans, parent_chain
from tests.support.checkout_incident import (
    CHECKOUT,
    CHECKOUT_ROOT,
    FAILING_TRACE_ID,
    FRONTEND,
    FRONTEND_CALL,
    FRONTEND_ROOT,
    STRIPE_CALL,
    Incident,
    checkout_incident,
)
from tests.support.legacy_schema import insert_legacy, insert_v3

# Columns only v3 / logs_v2 installs have, some only recent ones (reference §3, "optional").
_NEWER_COLUMNS = re.compile(
    r"\b(ts_bucket_start|resource_fingerprint|resource|scope|attributes|inserted_at|created_at"
    r"|_retention_days|_retention_days_cold|body_v2|body_promoted|trace_summary)\b|_exists\b"
)


@dataclasses.dataclass(frozen=True)
class _Loaded:
    incident: Incident
    batches: tuple[SigNozBatch, ...]


@pytest.fixture
def loaded() -> _Loaded:
    """The checkout incident converted once, so both installs get identical rows (log ids too)."""
    incident = checkout_incident()
    batches = tuple(parse_line(text, n) for n, text in enumerate(incident.documents, start=1))
    return _Loaded(incident, batches)


async def open_repository(
    executor: EmbeddedExecutor, settings: ClickHouseSettings
) -> SignozRepository:
    schema = await probe_schema(executor, settings.traces_database, settings.logs_database)
    return SignozRepository(executor, schema, QueryLimits())


@pytest.fixture
async def v2_repository(
    legacy_store: EmbeddedExecutor, legacy_settings: ClickHouseSettings, loaded: _Loaded
) -> SignozRepository:
    """The repository over the old install, holding the incident."""
    await insert_legacy(
        legacy_store,
        loaded.batches,
        traces_db=legacy_settings.traces_database,
        logs_db=legacy_settings.logs_database,
    )
    return await open_repository(legacy_store, legacy_settings)


@pytest.fixture
async def v3_repository(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, loaded: _Loaded
) -> SignozRepository:
    """The repository over a current install, holding the same incident rows."""
    await insert_v3(
        store,
        loaded.batches,
        traces_db=clickhouse_settings.traces_database,
        logs_db=clickhouse_settings.logs_database,
    )
    return await open_repository(store, clickhouse_settings)


class TestProbeOnOldInstalls:
    async def test_v2_spans_and_legacy_logs_without_v3(
        self, legacy_store: EmbeddedExecutor, legacy_settings: ClickHouseSettings
    ) -> None:
        """Without v3 tables the probe picks signoz_index_v2 and the array-based logs table."""
        schema = await probe_schema(
            legacy_store, legacy_settings.traces_database, legacy_settings.logs_database
        )
        traces, logs = legacy_settings.traces_database, legacy_settings.logs_database
        assert schema.trace_schema is TraceSchema.V2
        assert schema.spans_table == f"{traces}.distributed_signoz_index_v2"
        assert schema.errors_table == f"{traces}.distributed_signoz_error_index_v2"
        assert schema.trace_summary_table is None
        assert schema.log_schema is LogSchema.LEGACY
        assert schema.logs_table == f"{logs}.distributed_logs"

    async def test_local_tables_serve_without_distributed_ones(
        self, legacy_store: EmbeddedExecutor, legacy_settings: ClickHouseSettings
    ) -> None:
        """An old single-node install without distributed_* tables is read from its local ones."""
        traces, logs = legacy_settings.traces_database, legacy_settings.logs_database
        for table in (
            f"{traces}.distributed_signoz_index_v2",
            f"{traces}.distributed_signoz_error_index_v2",
            f"{logs}.distributed_logs",
        ):
            await legacy_store.command(f"DROP TABLE {table}")
        schema = await probe_schema(legacy_store, traces, logs)
        assert schema.spans_table == f"{traces}.signoz_index_v2"
        assert schema.errors_table == f"{traces}.signoz_error_index_v2"
        assert schema.logs_table == f"{logs}.logs"

    async def test_v3_is_preferred_when_both_generations_exist(
        self, legacy_store: EmbeddedExecutor, legacy_settings: ClickHouseSettings
    ) -> None:
        """An upgraded install keeps its v2 tables, but the probe reads v3 and logs_v2."""
        traces, logs = legacy_settings.traces_database, legacy_settings.logs_database
        await ensure_embedded_schema(legacy_store, traces, logs)
        schema = await probe_schema(legacy_store, traces, logs)
        assert schema.trace_schema is TraceSchema.V3
        assert schema.spans_table == f"{traces}.distributed_signoz_index_v3"
        assert schema.trace_summary_table == f"{traces}.distributed_trace_summary"
        assert schema.log_schema is LogSchema.V2
        assert schema.logs_table == f"{logs}.distributed_logs_v2"


class TestRepositoryOnV2:
    async def test_failing_traces_with_exceptions_as_on_v3(
        self, v2_repository: SignozRepository, v3_repository: SignozRepository, loaded: _Loaded
    ) -> None:
        """Failing-trace spans and their joined exceptions are the same records as on v3."""
        window = loaded.incident.window
        old = await v2_repository.failing_traces(CHECKOUT, window)
        assert old == await v3_repository.failing_traces(CHECKOUT, window)
        assert old.trace_ids == (FAILING_TRACE_ID,)
        stripe = next(span for span in old.spans if span.span_id == STRIPE_CALL)
        assert stripe.kind == "Client"
        assert stripe.http_status == "402"
        assert [error.message for error in stripe.exceptions] == ["Your card has expired."]
        assert stripe.resource["service.version"] == "1.4.2"

    async def test_service_stats_versions_and_edges_as_on_v3(
        self, v2_repository: SignozRepository, v3_repository: SignozRepository, loaded: _Loaded
    ) -> None:
        """Service counts, versions, call edges and the service list match v3."""
        window = loaded.incident.window
        stats = await v2_repository.service_stats(window)
        assert stats == await v3_repository.service_stats(window)
        assert {(row.service, row.errors) for row in stats} == {(FRONTEND, 2), (CHECKOUT, 2)}
        versions = await v2_repository.version_history(window)
        assert versions == await v3_repository.version_history(window)
        assert [v.version for v in versions if v.service == CHECKOUT] == ["1.4.1", "1.4.2"]
        edges = await v2_repository.call_edges(window)
        assert sorted(edges, key=repr) == sorted(await v3_repository.call_edges(window), key=repr)
        pairs = {(edge.caller, edge.callee) for edge in edges}
        assert {(FRONTEND, CHECKOUT), (CHECKOUT, "stripe"), (CHECKOUT, "postgresql")} <= pairs
        assert await v2_repository.known_services(window) == [CHECKOUT, FRONTEND]

    async def test_related_logs_rebuild_maps_from_arrays(
        self, v2_repository: SignozRepository, v3_repository: SignozRepository, loaded: _Loaded
    ) -> None:
        """Legacy logs' key and value arrays come back as the same attribute maps as logs_v2."""
        window = loaded.incident.window
        logs = await v2_repository.related_logs([FAILING_TRACE_ID], window)
        assert logs == await v3_repository.related_logs([FAILING_TRACE_ID], window)
        assert [log.severity for log in logs] == ["WARN", "ERROR", "INFO"]
        failure = logs[1]
        assert failure.service == CHECKOUT
        assert dict(failure.attributes) == {
            "code.filepath": "/app/payments.py",
            "code.function": "charge_card",
            "order.id": "8812",
        }

    async def test_group_history_reads_the_shared_error_index(
        self, v2_repository: SignozRepository, loaded: _Loaded
    ) -> None:
        """Exception groups found on v2 spans have their history in the error index."""
        window = loaded.incident.window
        failing = await v2_repository.failing_traces(CHECKOUT, window)
        groups = [error.group_id for span in failing.spans for error in span.exceptions]
        history = await v2_repository.group_history(groups, window.end_ns)
        assert [(row.group_id, row.occurrences, row.days_seen) for row in history] == [
            (groups[0], 1, 1)
        ]

    async def test_trace_is_found_around_a_hint(
        self, v2_repository: SignozRepository, v3_repository: SignozRepository, loaded: _Loaded
    ) -> None:
        """Without trace_summary a trace is searched around the hint and matches v3's."""
        window = loaded.incident.window
        assert await v2_repository.trace(FAILING_TRACE_ID) == []
        trace = await v2_repository.trace(FAILING_TRACE_ID, hint=window)
        assert trace == await v3_repository.trace(FAILING_TRACE_ID)
        chain = parent_chain(index_spans(trace), STRIPE_CALL)
        assert [span.span_id for span in chain] == [
            STRIPE_CALL,
            CHECKOUT_ROOT,
            FRONTEND_CALL,
            FRONTEND_ROOT,
        ]


class TestOptionalColumns:
    async def test_old_schema_sql_names_no_newer_column(
        self,
        legacy_store: EmbeddedExecutor,
        legacy_settings: ClickHouseSettings,
        v2_repository: SignozRepository,
        loaded: _Loaded,
    ) -> None:
        """Every statement the repository runs on an old install avoids columns it lacks."""
        recorder = _RecordingExecutor(legacy_store)
        repository = SignozRepository(recorder, v2_repository.schema, QueryLimits())
        window = loaded.incident.window
        failing = await repository.failing_traces(CHECKOUT, window)
        groups = [error.group_id for span in failing.spans for error in span.exceptions]
        await repository.service_stats(window)
        await repository.version_history(window)
        await repository.call_edges(window)
        await repository.known_services(window)
        await repository.group_history(groups, window.end_ns)
        await repository.related_logs([FAILING_TRACE_ID], window)
        await repository.trace(FAILING_TRACE_ID, hint=window)
        assert len(recorder.statements) == 9
        for sql in recorder.statements:
            assert _NEWER_COLUMNS.search(sql) is None, sql

    async def test_v3_without_optional_columns_answers_like_a_full_one(
        self,
        legacy_store: EmbeddedExecutor,
        legacy_settings: ClickHouseSettings,
        v3_repository: SignozRepository,
        loaded: _Loaded,
    ) -> None:
        """A v3 install from before the JSON, _exists and retention columns reads the same."""
        traces, logs = legacy_settings.traces_database, legacy_settings.logs_database
        statements = embedded_schema(traces, logs)
        tables = [s for s in statements if "ENGINE = Merge(" not in s]
        distributed = [s for s in statements if "ENGINE = Merge(" in s]
        for statement in tables:
            await legacy_store.command(statement)
        await _drop_optional_columns(legacy_store, traces, logs)
        for statement in distributed:
            await legacy_store.command(statement)
        await insert_v3(legacy_store, loaded.batches, traces_db=traces, logs_db=logs)
        bare = await open_repository(legacy_store, legacy_settings)
        assert not bare.schema.has_column(f"{traces}.distributed_signoz_index_v3", "resource")
        window = loaded.incident.window
        assert await bare.failing_traces(CHECKOUT, window) == await v3_repository.failing_traces(
            CHECKOUT, window
        )
        assert await bare.related_logs(
            [FAILING_TRACE_ID], window
        ) == await v3_repository.related_logs([FAILING_TRACE_ID], window)
        assert await bare.trace(FAILING_TRACE_ID) == await v3_repository.trace(FAILING_TRACE_ID)


class _RecordingExecutor:
    """Passes every call to a real executor and keeps the SQL of each query."""

    def __init__(self, inner: EmbeddedExecutor) -> None:
        self._inner = inner
        self.description = inner.description
        self.statements: list[str] = []

    async def query(
        self, sql: str, parameters: Mapping[str, Any] | None = None, *, max_rows: int = 20_000
    ) -> QueryRows:
        self.statements.append(sql)
        return await self._inner.query(sql, parameters, max_rows=max_rows)

    async def command(self, sql: str, parameters: Mapping[str, Any] | None = None) -> None:
        self.statements.append(sql)
        await self._inner.command(sql, parameters)

    async def insert(
        self, table: str, rows: Sequence[Sequence[Any]], column_names: Sequence[str]
    ) -> None:
        await self._inner.insert(table, rows, column_names)

    async def ping(self) -> bool:
        return await self._inner.ping()

    async def close(self) -> None:
        """The inner executor belongs to its fixture."""


async def _drop_optional_columns(executor: EmbeddedExecutor, traces: str, logs: str) -> None:
    """Remove what migrations 1005/1006 (traces) and 1004 (logs) added."""
    spans = f"{traces}.signoz_index_v3"
    result = await executor.query(
        "SELECT name FROM system.columns WHERE database = {db:String} AND table = 'signoz_index_v3'"
        " AND (name = 'resource' OR endsWith(name, '_exists'))",
        {"db": traces},
    )
    for (column,) in result.rows:
        await executor.command(f"ALTER TABLE {spans} DROP COLUMN `{column}`")
    await executor.command(f"ALTER TABLE {logs}.logs_v2 DROP COLUMN resource")
