"""SigNoz's JSON columns: `resource` (traces 1006, logs 1004) and `body_v2` (logs 2001).

Installs write resource attributes to the `resource` JSON column as well as to the
`resources_string` map; where the map is empty, service names and resource attributes must come
from the JSON. With the collector's `body_json_enabled`, a structured log body lands in
`body_v2` (promoted paths in `body_promoted`) and `body` is ''; related logs then read the JSON.
Installs without these columns are read without naming them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from aisher.config import ClickHouseSettings, QueryLimits
from aisher.signoz import queries
from aisher.signoz.dialect import log_columns_for, span_columns_for
from aisher.signoz.document_rows import parse_line
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.json_columns import flatten_json_object, structured_body
from aisher.signoz.probe import LogSchema, SchemaInfo, TraceSchema, probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.signoz.rows import ERROR_COLUMNS, LOG_COLUMNS, SPAN_COLUMNS, SigNozBatch
from aisher.window import TimeWindow
from tests.support.checkout_incident import (
    CHECKOUT,
    CHECKOUT_RESOURCE,
    FAILING_TRACE_ID,
    Incident,
    checkout_incident,
)
from tests.support.databases import databases_beside, scratch_store
from tests.support.legacy_schema import insert_v3

_SPAN_RESOURCES = SPAN_COLUMNS.index("resources_string")
_LOG_RESOURCES = LOG_COLUMNS.index("resources_string")
_LOG_BODY = LOG_COLUMNS.index("body")
PROMOTED = {"order.id": "8812", "customer.tier": "gold"}


def _json_only_spans(batch: SigNozBatch) -> list[tuple[Any, ...]]:
    """Span rows whose resources live in the JSON column alone."""
    rows = []
    for row in batch.spans:
        values = list(row)
        resource = values[_SPAN_RESOURCES]
        values[_SPAN_RESOURCES] = {}
        rows.append((*values, resource))
    return rows


def _structured_logs(batch: SigNozBatch) -> list[tuple[Any, ...]]:
    """Log rows as `body_json_enabled` writes them: body '' and the map in body_v2."""
    rows = []
    for row in batch.logs:
        values = list(row)
        resource, body = values[_LOG_RESOURCES], values[_LOG_BODY]
        values[_LOG_RESOURCES], values[_LOG_BODY] = {}, ""
        promoted = PROMOTED if "8812" in body else {}
        rows.append((*values, resource, {"message": body, "http": {"status": 402}}, promoted))
    return rows


@pytest.fixture
def incident() -> tuple[Incident, tuple[SigNozBatch, ...]]:
    """The checkout incident and its rows, converted once so both stores get the same ids."""
    found = checkout_incident()
    return found, tuple(parse_line(text, n) for n, text in enumerate(found.documents, start=1))


@pytest.fixture
async def plain(
    store: EmbeddedExecutor,
    clickhouse_settings: ClickHouseSettings,
    incident: tuple[Incident, tuple[SigNozBatch, ...]],
) -> SignozRepository:
    """The incident as the default exporter writes it (maps and `body`)."""
    traces, logs = clickhouse_settings.traces_database, clickhouse_settings.logs_database
    await insert_v3(store, incident[1], traces_db=traces, logs_db=logs)
    return SignozRepository(store, await probe_schema(store, traces, logs), QueryLimits())


@pytest.fixture
async def json_store(clickhouse_settings: ClickHouseSettings) -> AsyncIterator[EmbeddedExecutor]:
    """A second database pair in the session's engine, dropped afterwards."""
    async with scratch_store(_json_settings(clickhouse_settings)) as executor:
        yield executor


def _json_settings(settings: ClickHouseSettings) -> ClickHouseSettings:
    return databases_beside(settings, "json", "json")


@pytest.fixture
async def json_only(
    json_store: EmbeddedExecutor,
    clickhouse_settings: ClickHouseSettings,
    incident: tuple[Incident, tuple[SigNozBatch, ...]],
) -> SignozRepository:
    """The same incident with empty resource maps, resources in JSON, and structured bodies."""
    settings = _json_settings(clickhouse_settings)
    traces, logs = settings.traces_database, settings.logs_database
    for batch in incident[1]:
        if batch.spans:
            await json_store.insert(
                f"{traces}.signoz_index_v3", _json_only_spans(batch), (*SPAN_COLUMNS, "resource")
            )
        if batch.errors:
            await json_store.insert(f"{traces}.signoz_error_index_v2", batch.errors, ERROR_COLUMNS)
        if batch.logs:
            await json_store.insert(
                f"{logs}.logs_v2",
                _structured_logs(batch),
                (*LOG_COLUMNS, "resource", "body_v2", "body_promoted"),
            )
    return SignozRepository(json_store, await probe_schema(json_store, traces, logs), QueryLimits())


def window_of(incident: tuple[Incident, tuple[SigNozBatch, ...]]) -> TimeWindow:
    return incident[0].window


class TestResourceJson:
    async def test_service_and_resource_come_from_the_json(
        self,
        plain: SignozRepository,
        json_only: SignozRepository,
        incident: tuple[Incident, tuple[SigNozBatch, ...]],
    ) -> None:
        """With empty maps, spans, counts, versions and services read as from the maps."""
        window = window_of(incident)
        failing = await json_only.failing_traces(CHECKOUT, window)
        assert failing == await plain.failing_traces(CHECKOUT, window)
        assert failing.trace_ids == (FAILING_TRACE_ID,)
        assert {span.resource["service.version"] for span in failing.spans} >= {"1.4.2"}
        assert await json_only.service_stats(window) == await plain.service_stats(window)
        assert await json_only.version_history(window) == await plain.version_history(window)
        assert await json_only.known_services(window) == await plain.known_services(window)
        assert await json_only.trace(FAILING_TRACE_ID) == await plain.trace(FAILING_TRACE_ID)

    async def test_stored_spans_carry_the_whole_json_resource(
        self, json_only: SignozRepository, incident: tuple[Incident, tuple[SigNozBatch, ...]]
    ) -> None:
        """A capture's spans get every resource attribute back from the JSON, flat."""
        stored = await json_only.stored_spans(window_of(incident), services=[CHECKOUT])
        assert stored.spans
        newest = stored.spans[0]
        assert dict(newest.resource) == {
            key: str(value) for key, value in CHECKOUT_RESOURCE.items()
        } | {"service.version": newest.resource["service.version"]}


class TestStructuredBodies:
    async def test_related_logs_read_body_v2_when_body_is_empty(
        self,
        plain: SignozRepository,
        json_only: SignozRepository,
        incident: tuple[Incident, tuple[SigNozBatch, ...]],
    ) -> None:
        """The body is the structured JSON, promoted paths put back; service from the JSON."""
        window = window_of(incident)
        expected = await plain.related_logs([FAILING_TRACE_ID], window)
        found = await json_only.related_logs([FAILING_TRACE_ID], window)
        assert [log.service for log in found] == [log.service for log in expected]
        failure = next(log for log in found if "8812" in log.body and log.severity == "ERROR")
        assert json.loads(failure.body) == {
            "customer": {"tier": "gold"},
            "http": {"status": 402},
            "message": "Payment failed for order 8812: Your card has expired.",
            "order": {"id": "8812"},
        }

    async def test_stored_logs_carry_the_structured_body(
        self, json_only: SignozRepository, incident: tuple[Incident, tuple[SigNozBatch, ...]]
    ) -> None:
        """A capture's logs keep the structured body as JSON text."""
        stored = await json_only.stored_logs([FAILING_TRACE_ID], window_of(incident))
        assert stored.logs
        assert all(json.loads(log.body)["http"] == {"status": 402} for log in stored.logs)
        assert {log.resource["service.name"] for log in stored.logs} == {CHECKOUT, "frontend"}


class TestOptionalColumnDecisions:
    def test_columns_follow_what_the_probe_found(self) -> None:
        """Fallbacks are used only where the probe saw the column; else no SQL names it."""
        spans, logs = "t.distributed_signoz_index_v3", "l.distributed_logs_v2"
        base = {"resources_string", "body", "trace_id", "span_id", "ts_bucket_start"}
        bare = _schema(spans, logs, base, base)
        full = _schema(
            spans, logs, base | {"resource"}, base | {"resource", "body_v2", "body_promoted"}
        )
        window = TimeWindow.from_ns(1_000_000_000_000, 2_000_000_000_000)
        texts = {}
        for name, schema in (("bare", bare), ("full", full)):
            span_cols, log_cols = span_columns_for(schema), log_columns_for(schema)
            assert log_cols is not None
            texts[name] = " ".join(
                (
                    queries.service_stats(spans, span_cols, window=window).text,
                    queries.span_select(span_cols),
                    queries.related_logs(
                        logs, log_cols, trace_ids=["a"], window=window, limit=5
                    ).text,
                )
            )
        for column in ("resource.`service.name`", "toJSONString(s.resource)", "body_v2", "body_"):
            assert column not in texts["bare"]
            assert column in texts["full"]


def _schema(spans: str, logs: str, span_columns: set[str], log_columns: set[str]) -> SchemaInfo:
    """What the probe would report for a span and a log table with these columns."""
    columns = {spans: frozenset(span_columns), logs: frozenset(log_columns)}
    return SchemaInfo(
        trace_schema=TraceSchema.V3,
        spans_table=spans,
        errors_table=None,
        trace_summary_table=None,
        log_schema=LogSchema.V2,
        logs_table=logs,
        columns=columns,
    )


class TestJsonText:
    def test_nested_paths_flatten_to_dotted_keys(self) -> None:
        """ClickHouse prints `service.name` nested; it flattens back, leaves as strings."""
        text = (
            '{"service":{"name":"checkout","version":"1.4.2"},"k8s":{"pod":{"count":3}},"x":true}'
        )
        assert flatten_json_object(text) == {
            "service.name": "checkout",
            "service.version": "1.4.2",
            "k8s.pod.count": "3",
            "x": "true",
        }
        assert flatten_json_object("") == {}
        assert flatten_json_object("[1]") == {}

    def test_structured_body_drops_the_empty_typed_message(self) -> None:
        """body_v2's typed `message` reads '' when absent; it is left out, promoted paths added."""
        assert structured_body('{"message":""}') == ""
        assert structured_body('{"message":"","a":1}', '{"b":{"c":"d"}}') == '{"a":1,"b":{"c":"d"}}'
