"""A capture over ClickHouse's HTTP interface (a real SigNoz) equals one read in process."""

from __future__ import annotations

from aisher.capture import IncidentCapturer
from aisher.config import ClickHouseSettings, QueryLimits
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.http_executor import HttpExecutor
from aisher.signoz.probe import probe_schema
from tests.support.checkout_incident import (
    CHECKOUT,
    FAILING_TRACE_ID,
    STRIPE_CALL,
    Incident,
)


async def capturer(
    executor: EmbeddedExecutor | HttpExecutor, settings: ClickHouseSettings
) -> IncidentCapturer:
    schema = await probe_schema(executor, settings.traces_database, settings.logs_database)
    return IncidentCapturer(executor, schema, QueryLimits())


class TestCaptureOverHttp:
    async def test_http_capture_equals_the_embedded_one(
        self,
        store: EmbeddedExecutor,
        http_executor: HttpExecutor,
        clickhouse_settings: ClickHouseSettings,
        incident: Incident,
    ) -> None:
        """Typed maps, JSON text columns and exceptions decode alike over HTTP and in process."""
        over_http = await (await capturer(http_executor, clickhouse_settings)).capture(
            CHECKOUT, incident.window
        )
        in_process = await (await capturer(store, clickhouse_settings)).capture(
            CHECKOUT, incident.window
        )
        assert over_http == in_process
        stripe = next(span for span in over_http.spans if span.span_id == STRIPE_CALL)
        assert stripe.trace_id == FAILING_TRACE_ID
        assert stripe.kind == 3
        assert stripe.flags == 256
        assert stripe.numbers["http.response.status_code"] == 402.0
        assert stripe.bools == {"stripe.idempotent_replay": False}
        assert [error.message for error in stripe.exceptions] == ["Your card has expired."]
        assert {log.trace_id for log in over_http.logs} == {FAILING_TRACE_ID}
