"""`HttpExecutor` against a ClickHouse HTTP interface served by the session's chDB engine.

Rows are loaded through the embedded store and read back over HTTP with clickhouse-connect's
real aiohttp client, so every repository question must get the same records both ways.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import pytest

from aisher.config import ClickHouseSettings, QueryLimits
from aisher.errors import DataSourceError, DataSourceUnavailable, QueryTimeout
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.executor import CLOSE_TIMEOUT_S
from aisher.signoz.http_executor import HttpExecutor
from aisher.signoz.probe import LogSchema, SchemaInfo, TraceSchema, probe_schema
from aisher.signoz.repository import SignozRepository
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
)
from tests.support.clickhouse_http import ClickHouseHttpEmulator


async def open_repository(
    executor: EmbeddedExecutor | HttpExecutor, settings: ClickHouseSettings
) -> SignozRepository:
    schema = await probe_schema(executor, settings.traces_database, settings.logs_database)
    return SignozRepository(executor, schema, QueryLimits())


@dataclasses.dataclass(frozen=True)
class _Repositories:
    embedded: SignozRepository
    http: SignozRepository


@pytest.fixture
async def repositories(
    store: EmbeddedExecutor,
    http_executor: HttpExecutor,
    clickhouse_settings: ClickHouseSettings,
    incident: Incident,
) -> _Repositories:
    """The same databases read in process and over HTTP."""
    return _Repositories(
        embedded=await open_repository(store, clickhouse_settings),
        http=await open_repository(http_executor, clickhouse_settings),
    )


def unordered(items: Sequence[Any]) -> list[Any]:
    """Records in a canonical order, for answers whose SQL order has ties."""
    return sorted(items, key=repr)


def without_password(emulator: ClickHouseHttpEmulator, error: BaseException) -> None:
    message = f"{error} {error!r}"
    assert emulator.password not in message
    assert "hunter2" not in message


class TestProbeOverHttp:
    async def test_probe_picks_the_same_tables_as_in_process(
        self,
        repositories: _Repositories,
    ) -> None:
        """probe_schema over HTTP finds the v3 span table, logs_v2 and the same columns."""
        schema: SchemaInfo = repositories.http.schema
        assert schema.trace_schema is TraceSchema.V3
        assert schema.log_schema is LogSchema.V2
        assert schema.spans_table.endswith(".distributed_signoz_index_v3")
        assert schema == repositories.embedded.schema


class TestRepositoryOverHttp:
    async def test_failing_traces_match_the_embedded_store(
        self, repositories: _Repositories, incident: Incident
    ) -> None:
        """Failing-trace spans, with their exceptions joined, are the same records over HTTP."""
        over_http = await repositories.http.failing_traces(CHECKOUT, incident.window)
        in_process = await repositories.embedded.failing_traces(CHECKOUT, incident.window)
        assert over_http == in_process
        assert over_http.trace_ids == (FAILING_TRACE_ID,)
        stripe = next(span for span in over_http.spans if span.span_id == STRIPE_CALL)
        assert [error.type for error in stripe.exceptions] == ["stripe.error.CardError"]
        assert stripe.attributes["http.response.status_code"] == "402"

    async def test_service_stats_and_versions_match(
        self, repositories: _Repositories, incident: Incident
    ) -> None:
        """Per-service counts and the versions seen are the same over HTTP."""
        stats = await repositories.http.service_stats(incident.window)
        assert stats == await repositories.embedded.service_stats(incident.window)
        assert {row.service for row in stats} == {FRONTEND, CHECKOUT}
        versions = await repositories.http.version_history(incident.window)
        assert versions == await repositories.embedded.version_history(incident.window)
        assert [v.version for v in versions if v.service == CHECKOUT] == ["1.4.1", "1.4.2"]

    async def test_call_edges_and_known_services_match(
        self, repositories: _Repositories, incident: Incident
    ) -> None:
        """Service edges, external peers and the service list are the same over HTTP."""
        edges = await repositories.http.call_edges(incident.window)
        assert unordered(edges) == unordered(
            await repositories.embedded.call_edges(incident.window)
        )
        pairs = {(edge.caller, edge.callee, edge.external) for edge in edges}
        assert {(FRONTEND, CHECKOUT, False), (CHECKOUT, "stripe", True)} <= pairs
        services = await repositories.http.known_services(incident.window)
        assert services == await repositories.embedded.known_services(incident.window)
        assert services == sorted([CHECKOUT, FRONTEND])

    async def test_group_history_and_related_logs_match(
        self, repositories: _Repositories, incident: Incident
    ) -> None:
        """Exception-group history and the failing trace's logs are the same over HTTP."""
        failing = await repositories.http.failing_traces(CHECKOUT, incident.window)
        groups = [e.group_id for span in failing.spans for e in span.exceptions]
        history = await repositories.http.group_history(groups, incident.window.end_ns)
        assert history == await repositories.embedded.group_history(groups, incident.window.end_ns)
        assert [row.occurrences for row in history] == [1]
        logs = await repositories.http.related_logs([FAILING_TRACE_ID], incident.window)
        assert logs == await repositories.embedded.related_logs([FAILING_TRACE_ID], incident.window)
        assert len(logs) == 3
        assert "request.body" not in logs[1].attributes

    async def test_trace_and_parent_chain_match(
        self, repositories: _Repositories, incident: Incident
    ) -> None:
        """A whole trace and a span's ancestry are the same over HTTP."""
        trace = await repositories.http.trace(FAILING_TRACE_ID)
        assert trace == await repositories.embedded.trace(FAILING_TRACE_ID)
        assert len(trace) == 5
        chain = parent_chain(index_spans(trace), STRIPE_CALL)
        assert [span.span_id for span in chain] == [
            STRIPE_CALL,
            CHECKOUT_ROOT,
            FRONTEND_CALL,
            FRONTEND_ROOT,
        ]


class TestHttpExecutor:
    async def test_parameters_are_bound_on_the_server(
        self, http_executor: HttpExecutor, clickhouse_http: ClickHouseHttpEmulator
    ) -> None:
        """Values travel as param_ fields, never inside the SQL text, and come back intact."""
        hostile = "x' OR 1=1 --"
        result = await http_executor.query("SELECT {name:String} AS name", {"name": hostile})
        assert result.rows == [(hostile,)]
        sent = clickhouse_http.received[-1]
        assert "{name:String}" in sent.sql
        assert hostile not in sent.sql
        assert sent.params == {"name": "x\\' OR 1=1 --"}

    async def test_large_parameters_go_in_a_form(self, http_executor: HttpExecutor) -> None:
        """A bound list too long for a URL is sent as a form and still bound correctly."""
        ids = [f"{n:032x}" for n in range(400)]
        result = await http_executor.query("SELECT length({ids:Array(String)})", {"ids": ids})
        assert result.rows == [(400,)]

    async def test_deadline_reaches_the_server(
        self, http_executor: HttpExecutor, clickhouse_http: ClickHouseHttpEmulator
    ) -> None:
        """Each query carries max_execution_time, so ClickHouse stops abandoned work too."""
        await http_executor.query("SELECT 1")
        assert clickhouse_http.received[-1].settings["max_execution_time"] == "10"
        result = await http_executor.query("SELECT getSetting('max_execution_time')")
        assert int(result.rows[0][0]) == 10

    async def test_database_in_the_dsn_path_is_the_default_database(
        self,
        http_clickhouse_settings: ClickHouseSettings,
        clickhouse_http: ClickHouseHttpEmulator,
        incident: Incident,
    ) -> None:
        """A DSN ending in a database name sends it as `database`, so bare table names resolve."""
        database = http_clickhouse_settings.traces_database
        dsn = f"{clickhouse_http.dsn}{database}"
        executor = HttpExecutor(http_clickhouse_settings.model_copy(update={"dsn": dsn}))
        try:
            result = await executor.query("SELECT count() FROM signoz_index_v3")
        finally:
            await executor.close()
        assert result.rows == [(13,)]
        assert clickhouse_http.received[-1].database == database

    async def test_transient_503s_are_retried_until_success(
        self, http_executor: HttpExecutor, clickhouse_http: ClickHouseHttpEmulator
    ) -> None:
        """Two 503 answers in a row are retried with backoff and the third attempt succeeds."""
        await http_executor.query("SELECT 1")
        clickhouse_http.fail_next(2, status=503)
        result = await http_executor.query("SELECT 42")
        assert result.rows == [(42,)]
        assert clickhouse_http.faults_served == 2

    async def test_busy_server_error_code_is_retried(
        self, http_executor: HttpExecutor, clickhouse_http: ClickHouseHttpEmulator
    ) -> None:
        """A ClickHouse error with a transient code (202, too many queries) is retried."""
        await http_executor.query("SELECT 1")
        clickhouse_http.fail_next(1, status=500, code=202)
        assert (await http_executor.query("SELECT 7")).rows == [(7,)]
        assert clickhouse_http.faults_served == 1

    async def test_persistent_fault_is_unavailable_after_every_attempt(
        self,
        http_clickhouse_settings: ClickHouseSettings,
        clickhouse_http: ClickHouseHttpEmulator,
    ) -> None:
        """A server that keeps answering 503 gives DataSourceUnavailable after retries + 1 tries."""
        executor = HttpExecutor(http_clickhouse_settings.model_copy(update={"retries": 3}))
        try:
            await executor.query("SELECT 1")
            clickhouse_http.fail_next(100, status=503)
            with pytest.raises(DataSourceUnavailable) as caught:
                await executor.query("SELECT 1")
        finally:
            await executor.close()
        assert clickhouse_http.faults_served == 4
        assert "127.0.0.1" in str(caught.value)
        without_password(clickhouse_http, caught.value)

    async def test_slow_answer_is_a_query_timeout(
        self,
        http_clickhouse_settings: ClickHouseSettings,
        clickhouse_http: ClickHouseHttpEmulator,
    ) -> None:
        """An answer held back past the query deadline gives QueryTimeout, without a retry."""
        executor = HttpExecutor(
            http_clickhouse_settings.model_copy(update={"query_timeout_s": 0.5})
        )
        try:
            await executor.query("SELECT 1")
            clickhouse_http.delay_s = 5.0
            before = clickhouse_http.requests
            started = time.monotonic()
            with pytest.raises(QueryTimeout) as caught:
                await executor.query("SELECT 1")
            assert time.monotonic() - started < 3.0
        finally:
            await executor.close()
        assert clickhouse_http.requests == before + 1
        without_password(clickhouse_http, caught.value)

    async def test_server_side_timeout_code_is_a_query_timeout(
        self, http_executor: HttpExecutor, clickhouse_http: ClickHouseHttpEmulator
    ) -> None:
        """ClickHouse's own TIMEOUT_EXCEEDED (159) becomes QueryTimeout and is not retried."""
        await http_executor.query("SELECT 1")
        clickhouse_http.fail_next(5, status=500, code=159)
        with pytest.raises(QueryTimeout):
            await http_executor.query("SELECT 1")
        assert clickhouse_http.faults_served == 1

    async def test_sql_error_is_refused_at_once(
        self, http_executor: HttpExecutor, clickhouse_http: ClickHouseHttpEmulator
    ) -> None:
        """An unknown table is a DataSourceError with ClickHouse's message, tried only once."""
        await http_executor.query("SELECT 1")
        before = clickhouse_http.requests
        with pytest.raises(DataSourceError) as caught:
            await http_executor.query("SELECT * FROM no_such_db.no_such_table")
        assert type(caught.value) is DataSourceError
        assert "UNKNOWN_DATABASE" in str(caught.value)
        assert clickhouse_http.requests == before + 1
        without_password(clickhouse_http, caught.value)

    async def test_wrong_password_is_refused_without_echoing_it(
        self,
        http_clickhouse_settings: ClickHouseSettings,
        clickhouse_http: ClickHouseHttpEmulator,
    ) -> None:
        """A rejected login is a DataSourceError that names neither password."""
        dsn = clickhouse_http.dsn.replace(clickhouse_http.password, "hunter2")
        executor = HttpExecutor(http_clickhouse_settings.model_copy(update={"dsn": dsn}))
        try:
            with pytest.raises(DataSourceError) as caught:
                await executor.query("SELECT 1")
        finally:
            await executor.close()
        assert "516" in str(caught.value)
        without_password(clickhouse_http, caught.value)
        assert "hunter2" not in executor.description

    async def test_row_cap_truncates_the_stream(self, http_executor: HttpExecutor) -> None:
        """Streaming stops at max_rows and flags the result as truncated."""
        result = await http_executor.query(
            "SELECT number FROM system.numbers LIMIT 100000", max_rows=1000
        )
        assert len(result.rows) == 1000
        assert result.truncated
        assert result.rows[-1] == (999,)
        whole = await http_executor.query("SELECT number FROM numbers(10)", max_rows=10)
        assert len(whole.rows) == 10
        assert not whole.truncated

    async def test_commands_and_compressed_inserts_round_trip(
        self,
        http_executor: HttpExecutor,
        clickhouse_http: ClickHouseHttpEmulator,
        clickhouse_settings: ClickHouseSettings,
    ) -> None:
        """DDL, an lz4-compressed insert and a gzip-compressed answer all work over HTTP."""
        table = f"{clickhouse_settings.traces_database}.http_rows"
        await http_executor.command(f"CREATE DATABASE {clickhouse_settings.traces_database}")
        try:
            await http_executor.command(
                f"CREATE TABLE {table} (n UInt64, tags Map(LowCardinality(String), String))"
                " ENGINE = MergeTree ORDER BY n"
            )
            await http_executor.insert(table, [(1, {"a": "b"}), (2, {})], ["n", "tags"])
            assert clickhouse_http.received[-1].data_bytes > 0
            result = await http_executor.query(f"SELECT n, tags FROM {table} ORDER BY n")
            assert result.rows == [(1, {"a": "b"}), (2, {})]
            assert clickhouse_http.compressed_answers > 0
        finally:
            await http_executor.command(
                f"DROP DATABASE IF EXISTS {clickhouse_settings.traces_database}"
            )

    async def test_unserialisable_value_names_the_table(
        self, http_executor: HttpExecutor, clickhouse_settings: ClickHouseSettings
    ) -> None:
        """A value the driver cannot encode is a DataSourceError naming the table."""
        table = f"{clickhouse_settings.traces_database}.typed"
        await http_executor.command(f"CREATE DATABASE {clickhouse_settings.traces_database}")
        try:
            await http_executor.command(
                f"CREATE TABLE {table} (n UInt64) ENGINE = MergeTree ORDER BY n"
            )
            with pytest.raises(DataSourceError, match=r"typed") as caught:
                await http_executor.insert(table, [("not a number",)], ["n"])
            assert isinstance(caught.value.__cause__, ValueError)
            count = await http_executor.query(f"SELECT count() FROM {table}")
            assert count.rows == [(0,)]
        finally:
            await http_executor.command(
                f"DROP DATABASE IF EXISTS {clickhouse_settings.traces_database}"
            )

    async def test_close_is_idempotent_and_refuses_later_queries(
        self, http_executor: HttpExecutor
    ) -> None:
        """Closing twice is quick and harmless, and a closed executor does not reconnect."""
        await http_executor.query("SELECT 1")
        started = time.monotonic()
        await http_executor.close()
        await http_executor.close()
        assert time.monotonic() - started < 1.0
        with pytest.raises(DataSourceUnavailable):
            await http_executor.query("SELECT 1")

    async def test_close_is_bounded_while_a_query_hangs(
        self, http_executor: HttpExecutor, clickhouse_http: ClickHouseHttpEmulator
    ) -> None:
        """close() returns within its bound even when a query is waiting on a hung server."""
        await http_executor.query("SELECT 1")
        clickhouse_http.delay_s = 30.0
        before = clickhouse_http.requests
        hung = asyncio.create_task(http_executor.query("SELECT 1"))
        async with asyncio.timeout(5):
            while clickhouse_http.requests == before:  # noqa: ASYNC110 - wait until in flight
                await asyncio.sleep(0.01)
        started = time.monotonic()
        await http_executor.close()
        assert time.monotonic() - started < CLOSE_TIMEOUT_S + 1
        hung.cancel()
        with pytest.raises((DataSourceError, asyncio.CancelledError)):
            await hung
