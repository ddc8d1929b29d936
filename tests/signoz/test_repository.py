"""Every repository query on SigNoz's real v3 tables, on an incident with known answers."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry

from aisher.config import ClickHouseSettings, QueryLimits
from aisher.ops.metrics import AisherMetrics
from aisher.signoz import queries
from aisher.signoz.dialect import SPANS_V3
from aisher.signoz.embedded_executor import EmbeddedExecutor
from aisher.signoz.loader import load_documents
from aisher.signoz.probe import LogSchema, TraceSchema, probe_schema
from aisher.signoz.repository import SignozRepository
from aisher.telemetry import index_spans, parent_chain
from aisher.window import TimeWindow, datetime_from_ns
from tests.support import otlp_documents as otlp
from tests.support.databases import load_clean
from tests.support.incident import Incident, build_incident


@dataclass
class Loaded:
    repository: SignozRepository
    incident: Incident
    window: TimeWindow


@pytest.fixture
async def loaded(store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings) -> Loaded:
    """The incident loaded into fresh v3 tables, a repository, and the last 30 minutes."""
    now_ns = time.time_ns()
    incident = build_incident(now_ns)
    await load_clean(store, clickhouse_settings, incident.documents)
    schema = await probe_schema(
        store, clickhouse_settings.traces_database, clickhouse_settings.logs_database
    )
    window = TimeWindow.ending_at(datetime_from_ns(now_ns), timedelta(minutes=30))
    return Loaded(SignozRepository(store, schema, QueryLimits()), incident, window)


class TestProbe:
    async def test_v3_install_is_recognised(self, loaded: Loaded) -> None:
        """The embedded store probes as v3 spans, logs_v2, with distributed_* names preferred."""
        schema = loaded.repository.schema
        assert schema.trace_schema is TraceSchema.V3
        assert schema.log_schema is LogSchema.V2
        assert schema.spans_table.endswith(".distributed_signoz_index_v3")
        assert schema.errors_table
        assert schema.errors_table.endswith(".distributed_signoz_error_index_v2")


class TestFailingTraces:
    async def test_finds_exactly_the_failing_traces_of_the_service(self, loaded: Loaded) -> None:
        """frontend's failing traces are the six payment failures and two search failures."""
        found = await loaded.repository.failing_traces("frontend", loaded.window)
        expected = set(loaded.incident.failing_frontend_traces)
        search_failures = set(found.trace_ids) - expected
        assert expected <= set(found.trace_ids)
        assert len(search_failures) == 2
        assert loaded.incident.batch_trace not in found.trace_ids
        assert not found.truncated

    async def test_exceptions_are_joined_to_their_spans(self, loaded: Loaded) -> None:
        """Each failing payment span carries its KeyError from signoz_error_index_v2."""
        found = await loaded.repository.failing_traces("frontend", loaded.window)
        by_key = {(span.trace_id, span.span_id): span for span in found.spans}
        expected_group = hashlib.md5(b"paymentKeyError'currency'").hexdigest()  # noqa: S324
        for key in loaded.incident.payment_error_spans:
            span = by_key[key]
            assert span.has_error
            assert span.service == "payment"
            (exception,) = span.exceptions
            assert (exception.type, exception.message) == ("KeyError", "'currency'")
            assert "body['currency']" in exception.stacktrace
            assert exception.group_id == expected_group
        assert all(not span.exceptions for span in found.spans if span.service == "frontend")

    async def test_spans_keep_attributes_and_resources(self, loaded: Loaded) -> None:
        """Selected attributes (numbers too) and resource attributes come back per span."""
        found = await loaded.repository.failing_traces("frontend", loaded.window)
        root = next(s for s in found.spans if s.operation == "GET /checkout")
        assert root.attributes["http.route"] == "/checkout"
        assert root.attributes["http.response.status_code"] == "500"
        payment = next(s for s in found.spans if s.service == "payment")
        assert payment.version == "2.4.0"

    async def test_trace_cap_keeps_the_newest(
        self, store: EmbeddedExecutor, loaded: Loaded
    ) -> None:
        """With max_traces=3 only three failing traces come back."""
        limited = SignozRepository(store, loaded.repository.schema, QueryLimits(max_traces=3))
        found = await limited.failing_traces("frontend", loaded.window)
        assert len(found.trace_ids) == 3

    async def test_row_cap_flags_truncation(self, store: EmbeddedExecutor, loaded: Loaded) -> None:
        """A row cap smaller than the result truncates it and says so."""
        limited = SignozRepository(store, loaded.repository.schema, QueryLimits(max_rows=100))
        big = await limited.failing_traces("frontend", loaded.window)
        assert not big.truncated  # 8 traces × ≤3 spans fit
        tiny = SignozRepository(store, loaded.repository.schema, QueryLimits(max_rows=5))
        cut = await tiny.failing_traces("frontend", loaded.window)
        assert cut.truncated
        assert len(cut.spans) <= 5

    @pytest.mark.parametrize(
        "hostile",
        [
            "frontend' OR '1'='1",
            "frontend'); DROP TABLE signoz_traces.signoz_index_v3; --",
            "x\\' OR 1=1 --",
            "{service:String}",
        ],
    )
    async def test_sql_injection_through_the_service_is_inert(
        self, loaded: Loaded, hostile: str
    ) -> None:
        """A service name full of SQL is just a name nobody has: no rows, tables intact."""
        found = await loaded.repository.failing_traces(hostile, loaded.window)
        assert found.spans == ()
        again = await loaded.repository.failing_traces("frontend", loaded.window)
        assert len(again.trace_ids) == 8


class TestServiceStats:
    async def test_counts_in_window_and_baseline(self, loaded: Loaded) -> None:
        """Spans and error spans per service, now and in the 30 minutes before."""
        stats = {s.service: s for s in await loaded.repository.service_stats(loaded.window)}
        frontend = stats["frontend"]
        assert (frontend.spans, frontend.errors) == (12, 8)
        assert (frontend.baseline_spans, frontend.baseline_errors) == (6, 1)
        payment = stats["payment"]
        # Six failing charges, plus four good ones that each also call Stripe.
        assert (payment.spans, payment.errors) == (14, 6)
        assert (payment.baseline_spans, payment.baseline_errors) == (10, 0)
        assert stats["batch-svc"].errors == 1


class TestVersionHistory:
    async def test_deploy_shows_as_two_versions(self, loaded: Loaded) -> None:
        """payment reports 2.3.1 in the baseline and 2.4.0 in the window."""
        history = await loaded.repository.version_history(loaded.window)
        payment = sorted(
            (v for v in history if v.service == "payment"), key=lambda v: v.first_seen_ns
        )
        assert [v.version for v in payment] == ["2.3.1", "2.4.0"]
        assert payment[1].first_seen_ns >= loaded.window.start_ns


class TestCallEdges:
    async def test_service_and_external_edges(self, loaded: Loaded) -> None:
        """Edges between services carry call and error counts; stripe shows as external."""
        edges = {(e.caller, e.callee): e for e in await loaded.repository.call_edges(loaded.window)}
        assert (edges["frontend", "checkout"].calls, edges["frontend", "checkout"].errors) == (
            10,
            6,
        )
        assert edges["checkout", "payment"].errors == 6
        assert edges["frontend", "search"].calls == 2
        stripe = edges["payment", "stripe"]
        assert stripe.external
        assert stripe.calls == 4


class TestKnownServices:
    async def test_lists_services_of_the_window(self, loaded: Loaded) -> None:
        """Every service that sent spans in the window is known."""
        known = await loaded.repository.known_services(loaded.window)
        assert set(known) == {"frontend", "checkout", "payment", "search", "batch-svc"}


class TestGroupHistory:
    async def test_counts_past_occurrences_of_a_group(self, loaded: Loaded) -> None:
        """The KeyError group occurred six times on one day in the last seven days."""
        group = hashlib.md5(b"paymentKeyError'currency'").hexdigest()  # noqa: S324
        (history,) = await loaded.repository.group_history([group], loaded.window.end_ns)
        assert (history.group_id, history.occurrences) == (group, 6)
        assert history.days_seen in (1, 2)  # two when the window straddles midnight UTC

    async def test_unknown_group_has_no_history(self, loaded: Loaded) -> None:
        """A group id that never occurred yields nothing."""
        assert await loaded.repository.group_history(["0" * 32], loaded.window.end_ns) == []


class TestRelatedLogs:
    async def test_logs_of_the_traces_newest_first(self, loaded: Loaded) -> None:
        """Logs come back for the given traces only, newest first, with their span ids."""
        traces = loaded.incident.failing_frontend_traces[:3]
        logs = await loaded.repository.related_logs(traces, loaded.window)
        assert {log.trace_id for log in logs} == set(traces)
        assert [log.time_ns for log in logs] == sorted((log.time_ns for log in logs), reverse=True)
        assert all(log.severity == "ERROR" and log.service == "payment" for log in logs)
        spans = {span for _, span in loaded.incident.payment_error_spans}
        assert {log.span_id for log in logs} <= spans

    async def test_limit_bounds_the_result(self, loaded: Loaded) -> None:
        """At most `limit` logs are returned."""
        logs = await loaded.repository.related_logs(
            loaded.incident.failing_frontend_traces, loaded.window, limit=2
        )
        assert len(logs) == 2


class TestTraceAndChain:
    async def test_whole_trace_through_trace_summary(self, loaded: Loaded) -> None:
        """A failing trace has its three spans, found through trace_summary's bounds."""
        trace_id = loaded.incident.failing_frontend_traces[0]
        spans = await loaded.repository.trace(trace_id)
        assert [s.service for s in spans] == ["frontend", "checkout", "payment"]
        assert spans[2].exceptions
        assert spans[2].exceptions[0].type == "KeyError"

    async def test_parent_chain_walks_to_the_root(self, loaded: Loaded) -> None:
        """The payment span's chain is payment → checkout → frontend."""
        trace_id, span_id = loaded.incident.payment_error_spans[0]
        chain = parent_chain(index_spans(await loaded.repository.trace(trace_id)), span_id)
        assert [s.service for s in chain] == ["payment", "checkout", "frontend"]
        assert chain[-1].is_root

    async def test_unknown_trace_is_empty(self, loaded: Loaded) -> None:
        """A trace id nobody sent yields no spans rather than an error."""
        assert await loaded.repository.trace("f" * 32, hint=loaded.window) == []


class TestClusterForm:
    async def test_global_subqueries_give_the_same_answers(
        self, store: EmbeddedExecutor, loaded: Loaded
    ) -> None:
        """With a Distributed span table the queries use GLOBAL IN/JOIN and answer the same."""
        schema = dataclasses.replace(loaded.repository.schema, distributed=True)
        cluster = SignozRepository(store, schema, QueryLimits())
        plain = await loaded.repository.failing_traces("frontend", loaded.window)
        found = await cluster.failing_traces("frontend", loaded.window)
        assert sorted(found.trace_ids) == sorted(plain.trace_ids)
        assert sorted(found.spans, key=lambda s: s.span_id) == sorted(
            plain.spans, key=lambda s: s.span_id
        )
        edges = await cluster.call_edges(loaded.window)
        assert {(e.caller, e.callee) for e in edges} == {
            (e.caller, e.callee) for e in await loaded.repository.call_edges(loaded.window)
        }
        trace_id = loaded.incident.failing_frontend_traces[0]
        assert len(await cluster.trace(trace_id)) == 3

    def test_global_keyword_only_on_clusters(self, loaded: Loaded) -> None:
        """The SQL says GLOBAL exactly when the span table is distributed."""
        schema = loaded.repository.schema
        for distributed in (False, True):
            sql = queries.failing_trace_spans(
                schema.spans_table,
                schema.errors_table,
                SPANS_V3,
                service="x",
                window=loaded.window,
                max_traces=5,
                distributed=distributed,
            )
            assert ("GLOBAL IN" in sql.text) is distributed
            assert ("GLOBAL LEFT JOIN" in sql.text) is distributed


class TestQueryMetrics:
    async def test_query_latency_is_recorded_per_query(
        self, store: EmbeddedExecutor, loaded: Loaded
    ) -> None:
        """With metrics on, each query's duration lands in the histogram under its name."""
        registry = CollectorRegistry()
        repository = SignozRepository(
            store, loaded.repository.schema, QueryLimits(), metrics=AisherMetrics(registry)
        )
        await repository.failing_traces("frontend", loaded.window)
        await repository.service_stats(loaded.window)
        for name in ("failing_traces", "service_stats"):
            count = registry.get_sample_value(
                "aisher_clickhouse_query_duration_seconds_count", {"query": name}
            )
            assert count == 1


def segments(window: TimeWindow) -> list[TimeWindow]:
    """The two halves of the 30 minutes before `window`, then the same window yesterday."""
    before = window.baseline()
    middle = before.start + before.length / 2
    return [
        TimeWindow(start=before.start, end=middle),
        TimeWindow(start=middle, end=before.end),
        TimeWindow(start=window.start - timedelta(days=1), end=window.end - timedelta(days=1)),
    ]


class TestWindowComparisons:
    async def test_operation_stats_per_segment(self, loaded: Loaded) -> None:
        """Spans, failures and latency of each operation, now and in each baseline segment."""
        found = await loaded.repository.operation_stats(loaded.window, segments(loaded.window))
        charge = next(o for o in found if (o.service, o.operation) == ("payment", "POST /charge"))
        assert (charge.spans, charge.errors) == (10, 6)
        assert sum(charge.baseline_spans) == 5
        assert charge.baseline_spans[2] == 0  # nothing yesterday
        assert charge.baseline_errors == (0, 0, 0)
        assert charge.p50_ns == pytest.approx(40_000_000)
        assert charge.baseline_p95_ns == pytest.approx(40_000_000)

    async def test_error_signatures_count_each_way_of_failing(self, loaded: Loaded) -> None:
        """payment's KeyError is new; search's shard error was in the baseline too."""
        found = await loaded.repository.error_signatures(loaded.window, segments(loaded.window))
        key_error = next(s for s in found if s.exception_type == "KeyError")
        assert (key_error.service, key_error.count, sum(key_error.baseline_counts)) == (
            "payment",
            6,
            0,
        )
        assert key_error.exception_message == "'currency'"
        shard = next(s for s in found if s.status_message == "index shard unavailable")
        assert (shard.count, sum(shard.baseline_counts)) == (2, 1)
        frontend = next(s for s in found if s.operation == "GET /checkout")
        assert frontend.http_status == "500"

    async def test_error_signatures_on_a_cluster(
        self, store: EmbeddedExecutor, loaded: Loaded
    ) -> None:
        """With a Distributed span table the exception join is GLOBAL and answers the same."""
        schema = dataclasses.replace(loaded.repository.schema, distributed=True)
        cluster = SignozRepository(store, schema, QueryLimits())
        plain = await loaded.repository.error_signatures(loaded.window, segments(loaded.window))
        found = await cluster.error_signatures(loaded.window, segments(loaded.window))
        assert sorted(found, key=repr) == sorted(plain, key=repr)

    async def test_instance_stats(self, loaded: Loaded) -> None:
        """Spans and failures per host of each service."""
        found = {(i.service, i.instance): i for i in await loaded.repository.instance_stats(
            loaded.window)}  # fmt: skip
        payment = found[("payment", "payment-7f9c")]
        assert (payment.spans, payment.errors) == (14, 6)

    async def test_service_stats_over_given_segments(self, loaded: Loaded) -> None:
        """Counts over the given baseline segments add up like the default baseline's."""
        window = loaded.window
        default = {s.service: s for s in await loaded.repository.service_stats(window)}
        split = await loaded.repository.service_stats(window, segments(window))
        assert {s.service: s for s in split} == default

    async def test_slow_traces_are_the_slowest_of_the_operations(self, loaded: Loaded) -> None:
        """The slow-trace query keeps the asked number of traces, with all their spans."""
        found = await loaded.repository.slow_traces("frontend", ["GET /checkout"], loaded.window, 3)
        assert len(found.trace_ids) == 3
        assert {s.service for s in found.spans} >= {"frontend", "checkout", "payment"}
        assert (await loaded.repository.slow_traces("frontend", [], loaded.window, 3)).spans == ()

    async def test_error_logs_only(self, loaded: Loaded) -> None:
        """With a minimum severity only ERROR-or-worse logs of the traces come back."""
        traces = loaded.incident.failing_frontend_traces
        found = await loaded.repository.related_logs(traces, loaded.window, 50, min_severity=17)
        assert len(found) == 6
        assert (
            await loaded.repository.related_logs(traces, loaded.window, 50, min_severity=21) == []
        )

    async def test_version_history_since(self, loaded: Loaded) -> None:
        """Versions are read from the given start: a start inside the window misses 2.3.1."""
        late = loaded.window.start + timedelta(minutes=1)
        history = await loaded.repository.version_history(loaded.window, since=late)
        assert {v.version for v in history if v.service == "payment"} == {"2.4.0"}


def unset_status_documents(now_ns: int) -> tuple[list[str], str, str]:
    """A trace failing only by its 503, and one failing only by an ERROR log, both through
    frontend; their trace ids."""
    start = now_ns - 10 * 60_000_000_000
    by_code, by_log = f"{0xC0DE:032x}", f"{0x10C:032x}"
    resource = {"service.name": "frontend", "host.name": "frontend-7f9c"}
    coded = otlp.span(name="GET /stock", start_ns=start, trace_id=by_code, span_id=f"{0xC1:016x}",
                      kind=2, values={"http.response.status_code": 503})  # fmt: skip
    logged = otlp.span(name="GET /stock", start_ns=start + 1000, trace_id=by_log,
                       span_id=f"{0xC2:016x}", kind=2)  # fmt: skip
    log = otlp.log_record("stock lookup failed: inventory answered garbage", time_ns=start + 2000,
                          trace_id=by_log, span_id=f"{0xC2:016x}")  # fmt: skip
    documents = [
        otlp.dumps(otlp.spans_document([coded, logged], resource)),
        otlp.dumps(otlp.logs_document([log], resource)),
    ]
    return documents, by_code, by_log


class TestFailuresWithoutErrorStatus:
    async def test_5xx_and_error_logs_make_a_trace_fail(
        self, store: EmbeddedExecutor, clickhouse_settings: ClickHouseSettings, loaded: Loaded
    ) -> None:
        """A 503 with an unset status, or an ERROR log, makes its trace a failing one."""
        documents, by_code, by_log = unset_status_documents(loaded.incident.now_ns)
        await load_documents(
            store,
            documents,
            traces_db=clickhouse_settings.traces_database,
            logs_db=clickhouse_settings.logs_database,
        )
        found = await loaded.repository.failing_traces("frontend", loaded.window)
        assert {by_code, by_log} <= set(found.trace_ids)
        stats = {s.service: s for s in await loaded.repository.service_stats(loaded.window)}
        assert stats["frontend"].errors == 8 + 1  # the 503 counts, the logged span does not
