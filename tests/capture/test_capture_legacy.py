"""A capture of an old install (v2 spans, array-based logs) reads the same incident as v3."""

from __future__ import annotations

import dataclasses

import pytest

from aisher.capture import Capture, IncidentCapturer
from aisher.config import ClickHouseSettings, QueryLimits
from aisher.signoz.document_rows import parse_line
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.probe import TraceSchema, probe_schema
from aisher.signoz.rows import SigNozBatch
from tests.support.checkout_incident import CHECKOUT, Incident, checkout_incident
from tests.support.legacy_schema import insert_legacy, insert_v3


@pytest.fixture
def incident() -> tuple[Incident, tuple[SigNozBatch, ...]]:
    """The checkout incident converted once, so both installs get identical rows."""
    found = checkout_incident()
    return found, tuple(parse_line(text, n) for n, text in enumerate(found.documents, start=1))


async def capture_from(
    executor: EmbeddedExecutor, settings: ClickHouseSettings, incident: Incident
) -> Capture:
    schema = await probe_schema(executor, settings.traces_database, settings.logs_database)
    capturer = IncidentCapturer(executor, schema, QueryLimits())
    return await capturer.capture(CHECKOUT, incident.window)


class TestCaptureOfOldInstalls:
    async def test_v2_capture_matches_v3_but_for_what_v2_never_stored(
        self,
        store: EmbeddedExecutor,
        legacy_store: EmbeddedExecutor,
        clickhouse_settings: ClickHouseSettings,
        legacy_settings: ClickHouseSettings,
        incident: tuple[Incident, tuple[SigNozBatch, ...]],
    ) -> None:
        """Spans and logs are the same records; v2 spans have no flags or trace state."""
        found, batches = incident
        await insert_v3(
            store,
            batches,
            traces_db=clickhouse_settings.traces_database,
            logs_db=clickhouse_settings.logs_database,
        )
        await insert_legacy(
            legacy_store,
            batches,
            traces_db=legacy_settings.traces_database,
            logs_db=legacy_settings.logs_database,
        )
        schema = await probe_schema(
            legacy_store, legacy_settings.traces_database, legacy_settings.logs_database
        )
        assert schema.trace_schema is TraceSchema.V2
        old = await capture_from(legacy_store, legacy_settings, found)
        new = await capture_from(store, clickhouse_settings, found)
        assert old.logs == new.logs
        assert old.spans == tuple(
            dataclasses.replace(span, flags=0, trace_state="") for span in new.spans
        )
        assert old.traces == new.traces == 1
