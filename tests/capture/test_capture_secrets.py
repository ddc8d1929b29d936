"""A capture carries no secret: seeded secrets in the source telemetry never reach its files.

Payment failures carry one seeded secret of every kind (tests/support/secrets_corpus.py) in span
names, status messages, attributes by key and by value, a numeric attribute, exception messages
and stack traces, resource attributes, log bodies and log attributes. The captured folder must
hold none of them, while service names and ids, which the suite needs, stay as they were.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest

from aisher.capture import IncidentCapturer, write_capture
from aisher.config import ClickHouseSettings, QueryLimits
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.loader import load_documents
from aisher.signoz.probe import probe_schema
from aisher.window import TimeWindow, datetime_from_ns
from tests.support import otlp_documents as otlp
from tests.support.incident import MINUTE_NS, build_incident
from tests.support.secrets_corpus import (
    SeededSecret,
    attributes_by_key,
    attributes_in_values,
    exception_message,
    java_stack_trace,
    leaked,
    log_body,
    seeded_secrets,
)

SERVICE = "payment"


def secret_documents(secrets: list[SeededSecret], start_ns: int) -> tuple[list[str], list[str]]:
    """One failing payment trace and one log per secret; the documents and the trace ids."""
    documents, trace_ids = [], []
    for index, secret in enumerate(secrets):
        trace, span_id = f"{0xC0DE0000 + index:032x}", f"{0xFEED0000 + index:016x}"
        at = start_ns + index * 1_000_000_000
        values: dict[str, object] = {**attributes_by_key(secret), **attributes_in_values(secret)}
        if secret.kind == "card":
            values["payment.card_number"] = int(re.sub(r"\D", "", secret.value))
        failing = otlp.span(
            name=f"POST /charge/{secret.text}" if index % 3 == 0 else "POST /charge",
            start_ns=at,
            duration_ns=30_000_000,
            trace_id=trace,
            span_id=span_id,
            kind=2,
            status_code=2,
            status_message=exception_message(secret),
            values=values,
            events=[
                otlp.event(
                    "exception",
                    at + 1_000_000,
                    {
                        "exception.type": "PaymentError",
                        "exception.message": exception_message(secret, 1),
                        "exception.stacktrace": java_stack_trace(secret),
                        "exception.escaped": "true",
                    },
                )
            ],
        )
        log = otlp.log_record(
            log_body(secret, index),
            time_ns=at + 2_000_000,
            trace_id=trace,
            span_id=span_id,
            values=dict([secret.attribute]),
        )
        resource = {"service.name": SERVICE, "service.version": "2.4.0", "deploy.note": secret.text}
        documents += [
            otlp.dumps(otlp.spans_document([failing], resource)),
            otlp.dumps(otlp.logs_document([log], resource, scope_name="payments")),
        ]
        trace_ids.append(trace)
    return documents, trace_ids


@pytest.fixture
async def secret_capture(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, tmp_path: Path
) -> tuple[Path, list[SeededSecret], list[str]]:
    """The hand-made incident plus secret-laden payment failures, captured to a folder."""
    incident = build_incident(time.time_ns())
    secrets = seeded_secrets(seed=23, per_kind=1)
    documents, trace_ids = secret_documents(secrets, incident.now_ns - 25 * MINUTE_NS)
    report = await load_documents(
        store,
        [*incident.documents, *documents],
        traces_db=clickhouse_settings.traces_database,
        logs_db=clickhouse_settings.logs_database,
    )
    assert report.problem_count == 0
    schema = await probe_schema(
        store, clickhouse_settings.traces_database, clickhouse_settings.logs_database
    )
    window = TimeWindow.ending_at(datetime_from_ns(incident.now_ns), timedelta(minutes=30))
    capture = await IncidentCapturer(store, schema, QueryLimits()).capture(SERVICE, window)
    folder = tmp_path / "secret-incident"
    write_capture(folder, capture, window_text="30m")
    return folder, secrets, trace_ids


class TestCaptureMasking:
    async def test_no_seeded_secret_reaches_the_files(
        self, secret_capture: tuple[Path, list[SeededSecret], list[str]]
    ) -> None:
        """Neither telemetry.jsonl nor incident.yaml holds any seeded secret or a fragment."""
        folder, secrets, _ = secret_capture
        for name in ("telemetry.jsonl", "incident.yaml"):
            text = (folder / name).read_text(encoding="utf-8")
            assert leaked(secrets, text) == [], name

    async def test_ids_and_service_names_stay(
        self, secret_capture: tuple[Path, list[SeededSecret], list[str]]
    ) -> None:
        """Trace ids and service names are kept, and masked values read as placeholders."""
        folder, _, trace_ids = secret_capture
        text = (folder / "telemetry.jsonl").read_text(encoding="utf-8")
        assert all(f'"traceId":"{trace}"' in text for trace in trace_ids)
        assert '{"key":"service.name","value":{"stringValue":"payment"}}' in text
        assert "<SECRET_" in text
        assert "<CARD_" in text
        assert "masked" in (folder / "incident.yaml").read_text(encoding="utf-8")
