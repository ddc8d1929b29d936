"""Evidence collected from the real chDB engine for a loaded incident."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from aisher.analysis.engine import AnalysisEngine
from aisher.analysis.evidence.collector import EvidenceCollector
from aisher.analysis.request import AnalysisRequest
from aisher.config import ClickHouseSettings, QueryLimits
from aisher.errors import InputError, UnknownServiceError, UnknownTraceError, WindowError
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.loader import load_documents
from aisher.signoz.probe import probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.window import TimeWindow, datetime_from_ns
from tests.support import otlp_documents as otlp
from tests.support.databases import seed_recent_incident
from tests.support.incident import MINUTE_NS, Incident, build_incident
from tests.support.secrets_corpus import (
    SeededSecret,
    attributes_by_key,
    attributes_in_values,
    exception_message,
    leaked,
    log_body,
    python_stack_trace,
    seeded_secrets,
)


@pytest.fixture
async def collector_and_incident(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings
) -> tuple[EvidenceCollector, Incident]:
    incident = await seed_recent_incident(store, clickhouse_settings)
    schema = await probe_schema(
        store, clickhouse_settings.traces_database, clickhouse_settings.logs_database
    )
    repository = SignozRepository(store, schema, QueryLimits())
    return EvidenceCollector(repository, max_traces=500, max_logs=20), incident


def last(incident: Incident, minutes: int = 30) -> TimeWindow:
    return TimeWindow.ending_at(datetime_from_ns(incident.now_ns), timedelta(minutes=minutes))


class TestEvidenceCollector:
    async def test_names_the_deployed_failing_service(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """frontend's evidence ranks payment first, with its deploy, chain, logs and history."""
        collector, incident = collector_and_incident
        evidence = await collector.collect(AnalysisRequest("frontend", last(incident)))
        top = evidence.top_suspect
        assert top is not None
        assert (top.service, top.operation, top.exception_type) == (
            "payment",
            "POST /charge",
            "KeyError",
        )
        assert top.deploy is not None
        assert top.deploy.new_version == "2.4.0"
        assert [span.service for span in evidence.chain] == ["payment", "checkout", "frontend"]
        assert evidence.related_logs
        assert evidence.related_logs[0].span_id == evidence.chain[0].span_id
        assert evidence.history
        assert evidence.history[0].occurrences == 6
        assert evidence.failing_traces == 8
        assert evidence.error_count == 8

    async def test_unknown_service_suggests_close_names(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """A misspelt service fails with suggestions drawn from the services in the window."""
        collector, incident = collector_and_incident
        with pytest.raises(UnknownServiceError) as caught:
            await collector.collect(AnalysisRequest("paymnt", last(incident)))
        assert "payment" in caught.value.suggestions

    async def test_empty_window_says_no_data(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """A window with no spans at all says so instead of blaming the service name."""
        collector, incident = collector_and_incident
        old = TimeWindow.ending_at(
            datetime_from_ns(incident.now_ns) - timedelta(days=3), timedelta(minutes=30)
        )
        with pytest.raises(WindowError, match="no spans at all"):
            await collector.collect(AnalysisRequest("frontend", old))

    async def test_service_without_errors_gets_a_report_saying_so(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """Before the deploy payment was healthy: no cause is named and the summary says why."""
        collector, incident = collector_and_incident
        engine = AnalysisEngine(collector)
        before = last(incident).baseline()
        report = await engine.analyze(AnalysisRequest("payment", before))
        assert report.root_cause.service is None
        assert report.failing_traces == 0
        assert report.insufficient_evidence
        assert "No failing traces" in report.root_cause.summary

    async def test_service_seen_only_before_the_window(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """A service that sent spans only in the previous window gets a 'widen the window' error."""
        collector, incident = collector_and_incident
        with pytest.raises(WindowError, match="widen the window"):
            await collector.collect(AnalysisRequest("batch-svc", last(incident, 15)))

    async def test_report_from_the_engine(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """The engine turns the evidence into a report with chain, logs and remediation."""
        collector, incident = collector_and_incident
        engine = AnalysisEngine(collector)
        report = await engine.analyze(AnalysisRequest("frontend", last(incident)))
        assert report.root_cause.service == "payment"
        assert report.analyzer == "heuristic"
        assert [link.service for link in report.parent_chain] == ["frontend", "checkout", "payment"]
        assert report.related_logs
        assert any("Roll back payment" in step for step in report.remediation)
        assert report.candidates[0].evidence

    async def test_window_is_compared_with_its_baseline(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """The KeyError is new; the search failures, there before, are chronic and reported
        apart; the report says which baseline was used."""
        collector, incident = collector_and_incident
        evidence = await collector.collect(AnalysisRequest("frontend", last(incident)))
        key_error = next(g for g in evidence.groups if g.exception_type == "KeyError")
        shard = next(g for g in evidence.groups if g.message_template == "index shard unavailable")
        assert key_error.trend is not None
        assert (key_error.trend.count, key_error.trend.baseline_count) == (6, 0)
        assert not key_error.chronic
        assert shard.chronic
        report = await AnalysisEngine(collector).analyze(
            AnalysisRequest("frontend", last(incident))
        )
        assert {(g.service, g.operation) for g in report.also_failing} == {
            ("search", "GET /q"),
            ("frontend", "GET /search"),
        }
        assert report.baseline is not None
        assert "30 min before the window" in report.baseline.description


@pytest.fixture
async def secret_incident(
    store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings
) -> tuple[EvidenceCollector, Incident, list[SeededSecret]]:
    """The hand-made incident plus payment failures whose messages, stack traces, attributes
    and logs carry one seeded secret of every kind."""
    incident = build_incident(time.time_ns())
    secrets = seeded_secrets(seed=11, per_kind=1)
    start = incident.now_ns - 25 * MINUTE_NS
    for index, secret in enumerate(secrets):
        trace, span_id = f"{0xC0DE0000 + index:032x}", f"{0xFEED0000 + index:016x}"
        at = start + index * 1_000_000_000
        failing = otlp.span(
            name="POST /charge",
            start_ns=at,
            duration_ns=30_000_000,
            trace_id=trace,
            span_id=span_id,
            kind=2,
            status_code=2,
            status_message=exception_message(secret),
            values={**attributes_by_key(secret), **attributes_in_values(secret)},
            events=[
                otlp.event(
                    "exception",
                    at + 1_000_000,
                    {
                        "exception.type": "ValueError",
                        "exception.message": exception_message(secret, 1),
                        "exception.stacktrace": python_stack_trace(secret),
                    },
                )
            ],
        )
        log = otlp.log_record(
            log_body(secret), time_ns=at + 2_000_000, trace_id=trace, span_id=span_id
        )
        incident.documents += [
            otlp.dumps(otlp.spans_document([failing], {"service.name": "payment"})),
            otlp.dumps(otlp.logs_document([log], {"service.name": "payment"})),
        ]
    await load_documents(
        store,
        incident.documents,
        traces_db=clickhouse_settings.traces_database,
        logs_db=clickhouse_settings.logs_database,
    )
    schema = await probe_schema(
        store, clickhouse_settings.traces_database, clickhouse_settings.logs_database
    )
    repository = SignozRepository(store, schema, QueryLimits())
    return EvidenceCollector(repository, max_traces=500, max_logs=50), incident, secrets


class TestCollectorMasksEverything:
    async def test_window_evidence_holds_no_secret(
        self, secret_incident: tuple[EvidenceCollector, Incident, list[SeededSecret]]
    ) -> None:
        """Nothing unmasked leaves `collect`: no seeded secret anywhere in the evidence."""
        collector, incident, secrets = secret_incident
        evidence = await collector.collect(AnalysisRequest("payment", last(incident)))
        assert evidence.groups
        assert evidence.related_logs
        assert leaked(secrets, repr(evidence)) == []

    async def test_trace_evidence_holds_no_secret(
        self, secret_incident: tuple[EvidenceCollector, Incident, list[SeededSecret]]
    ) -> None:
        """Nothing unmasked leaves `collect_trace` either."""
        collector, _, secrets = secret_incident
        for index in range(0, len(secrets), 5):
            evidence = await collector.collect_trace(f"{0xC0DE0000 + index:032x}")
            assert evidence.chain
            assert evidence.related_logs
            assert leaked(secrets, repr(evidence)) == []


class TestCollectTrace:
    async def test_explains_a_failing_trace(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """The failing span of a failing trace is payment's POST /charge, below its callers."""
        collector, incident = collector_and_incident
        trace_id, span_id = incident.payment_error_spans[0]
        evidence = await collector.collect_trace(trace_id.upper())
        assert evidence.chain[0].span_id == span_id
        assert [span.service for span in evidence.chain] == ["payment", "checkout", "frontend"]
        assert evidence.services == ("checkout", "frontend", "payment")
        assert evidence.related_logs[0].span_id == span_id

    async def test_unknown_and_malformed_trace_ids(
        self, collector_and_incident: tuple[EvidenceCollector, Incident]
    ) -> None:
        """An absent trace is `UnknownTraceError`; something that is no trace id is `InputError`."""
        collector, _ = collector_and_incident
        with pytest.raises(UnknownTraceError):
            await collector.collect_trace("f" * 32)
        with pytest.raises(InputError, match="not a trace id"):
            await collector.collect_trace("'; DROP TABLE x --")
