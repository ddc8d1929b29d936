"""Latency faults: the slow path down to the span whose own time grew, against the baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aisher.analysis.evidence.baseline import Baseline, WindowComparison
from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.latency import LatencyBaseline, is_regression, slow_path
from aisher.analysis.evidence.latency_story import slowed_operations, with_latency
from aisher.analysis.evidence.model import BlameKind, BlameNote, Evidence
from aisher.analysis.evidence.origins import BlameContext, TraceTree, find_origins
from aisher.analysis.heuristic import explain
from aisher.analysis.report_builder import build_report
from aisher.signoz.comparisons import OperationStats
from aisher.telemetry import ServiceStats, SpanRecord
from aisher.window import TimeWindow
from tests.support.traces import TraceBuilder

WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(minutes=30))
MS = 1_000_000


def op(
    service: str,
    operation: str,
    *,
    now_ms: float,
    before_ms: float,
    spans: int = 200,
    errors: int = 0,
) -> OperationStats:
    """An operation whose p50 and p95 are `now_ms` in the window and `before_ms` before."""
    return OperationStats(
        service=service,
        operation=operation,
        spans=spans,
        errors=errors,
        p50_ns=now_ms * MS,
        p95_ns=now_ms * 1.2 * MS,
        baseline_spans=(spans // 2, spans // 2),
        baseline_errors=(0, 0),
        baseline_p50_ns=before_ms * MS,
        baseline_p95_ns=before_ms * 1.2 * MS,
    )


def shipping_timeout(*, own_ms: float, query_ms: float, queries: int = 1) -> TraceBuilder:
    """checkout's call to shipping times out after 2 s; shipping runs `queries` queries."""
    trace = TraceBuilder()
    root = trace.span("checkout", "POST /checkout", error=True, duration_ms=2100)
    call = trace.span(
        "checkout",
        "GET shipping/quote",
        parent=root,
        kind="Client",
        error=True,
        duration_ms=2000,
        message="read timed out after 2000 ms",
        attributes={"peer.service": "shipping"},
    )
    server = trace.span(
        "shipping", "GET /quote", parent=call, duration_ms=own_ms + queries * query_ms
    )
    for index in range(queries):
        trace.span(
            "shipping",
            "SELECT rates",
            parent=server,
            kind="Client",
            duration_ms=query_ms,
            offset_ms=own_ms + index * query_ms,
            attributes={"db.system": "postgresql"},
        )
    return trace


class TestRegression:
    def test_clearly_slower_operation_is_a_regression(self) -> None:
        """p95 up by half and by more than 20 ms is a regression."""
        assert is_regression(op("shipping", "GET /quote", now_ms=400, before_ms=60))

    def test_small_or_thin_changes_are_not(self) -> None:
        """A millisecond-scale change, or a handful of spans, is no verdict."""
        assert not is_regression(op("cache", "GET", now_ms=3, before_ms=1))
        assert not is_regression(op("shipping", "GET /quote", now_ms=400, before_ms=60, spans=4))


class TestSlowPath:
    def test_own_time_of_the_callee_grew(self) -> None:
        """shipping's own time grew while its query kept its usual speed: shipping is blamed."""
        trace = shipping_timeout(own_ms=1950, query_ms=22)
        latency = LatencyBaseline(
            [
                op("shipping", "GET /quote", now_ms=1970, before_ms=80),
                op("shipping", "SELECT rates", now_ms=22, before_ms=20),
            ]
        )
        context = BlameContext.of(frozenset({"checkout", "shipping"}), trace.spans, latency)
        (origin,) = find_origins(trace.spans, context)
        assert (origin.blamed, origin.blame, origin.note) == (
            "shipping",
            BlameKind.SLOW_CALLEE,
            BlameNote.SLOW,
        )

    def test_many_slightly_slower_queries_add_up_to_the_database(self) -> None:
        """Forty queries each 45 ms instead of 2 ms: together they are where the time went."""
        trace = shipping_timeout(own_ms=40, query_ms=45, queries=40)
        latency = LatencyBaseline(
            [
                op("shipping", "GET /quote", now_ms=1840, before_ms=120),
                op("shipping", "SELECT rates", now_ms=45, before_ms=2),
            ]
        )
        context = BlameContext.of(frozenset({"checkout", "shipping"}), trace.spans, latency)
        (origin,) = find_origins(trace.spans, context)
        assert (origin.blamed, origin.blame) == ("postgresql", BlameKind.DEPENDENCY)

    def test_usual_time_of_a_long_child_is_not_blamed(self) -> None:
        """A child that is always long does not take the blame for its parent's new slowness."""
        trace = TraceBuilder()
        root = trace.span("report", "GET /monthly", duration_ms=5000)
        trace.span("report", "SELECT ledger", parent=root, kind="Client", duration_ms=4100)
        latency = LatencyBaseline(
            [
                op("report", "GET /monthly", now_ms=5000, before_ms=1000),
                op("report", "SELECT ledger", now_ms=4100, before_ms=3900),
            ]
        )
        tree = TraceTree(trace.spans)
        assert slow_path(tree.children, tree.by_id[root], latency).span_id == root
        assert slow_path(tree.children, tree.by_id[root], LatencyBaseline()).span_id != root

    def test_child_running_on_after_the_parent_gave_up(self) -> None:
        """A server span that timed out blames the unset child call still running after it."""
        trace = TraceBuilder()
        root = trace.span(
            "frontend",
            "GET /home",
            error=True,
            duration_ms=1000,
            message="context deadline exceeded",
        )
        call = trace.span(
            "frontend",
            "GET inventory/stock",
            parent=root,
            kind="Client",
            duration_ms=3000,
            attributes={"peer.service": "inventory"},
        )
        trace.span("inventory", "GET /stock", parent=call, duration_ms=2990)
        (origin,) = find_origins(trace.spans, frozenset({"frontend", "inventory"}))
        assert (origin.blamed, origin.blame) == ("inventory", BlameKind.SLOW_CALLEE)


def slow_cart_traces(count: int) -> list[SpanRecord]:
    """`count` slow cart requests: the time goes into an uninstrumented redis call."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("cart", "GET /cart", duration_ms=900)
        trace.span("cart", "HGETALL", parent=root, kind="Client", duration_ms=880,
                   attributes={"db.system": "redis"})  # fmt: skip
        spans += trace.spans
    return spans


CART_STATS = (ServiceStats("cart", 2000, 0, 2000, 0),)
CART_COMPARISON = WindowComparison(
    Baseline.for_window(WINDOW),
    operations=(
        op("cart", "GET /cart", now_ms=900, before_ms=40, spans=2000),
        op("cart", "HGETALL", now_ms=880, before_ms=2, spans=2000),
    ),
)


class TestLatencyOnlyWindow:
    def evidence(self) -> Evidence:
        evidence = build_evidence("cart", WINDOW, [], CART_STATS, comparison=CART_COMPARISON)
        return with_latency(evidence, slow_cart_traces(12), CART_STATS, CART_COMPARISON)

    def test_no_errors_but_slower_asks_for_the_slow_operations(self) -> None:
        """Without any failing trace, the asked service's slowed operations are followed down."""
        evidence = build_evidence("cart", WINDOW, [], CART_STATS, comparison=CART_COMPARISON)
        assert evidence.failing_traces == 0
        assert "GET /cart" in slowed_operations(evidence)

    def test_the_slow_dependency_is_blamed_with_its_caller_beside_it(self) -> None:
        """redis, where the time goes, ranks first; cart, which calls it, is listed next."""
        evidence = self.evidence()
        first, second = evidence.suspects[:2]
        assert (first.service, first.blame) == ("redis", BlameKind.DEPENDENCY)
        assert (second.service, second.beside) == ("cart", "redis")
        assert evidence.slow_traces == 12
        assert any("p95" in reason for reason in first.reasons)

    def test_the_answer_is_an_analysis_not_no_errors(self) -> None:
        """The heuristic explains the slowness and the report is not 'insufficient evidence'."""
        evidence = self.evidence()
        answer = explain(evidence)
        assert answer.root_cause.service == "redis"
        assert "slower than in the baseline" in answer.root_cause.summary
        report = build_report(evidence, answer, generated_at="2026-11-26T10:00:00Z")
        assert not report.insufficient_evidence
        assert report.confidence in ("medium", "high")

    def test_a_few_new_errors_do_not_hide_the_slowness(self) -> None:
        """One new failing trace beside a slowed-down service: the slowness is still followed."""
        trace = TraceBuilder()
        trace.span("cart", "GET /cart", error=True, exception=("KeyError", "'sku'"))
        evidence = build_evidence(
            "cart", WINDOW, trace.spans, CART_STATS, comparison=CART_COMPARISON
        )
        assert evidence.failing_traces == 1
        assert "GET /cart" in slowed_operations(evidence)
        slow = with_latency(evidence, slow_cart_traces(12), CART_STATS, CART_COMPARISON)
        assert slow.suspects[0].service == "redis"
        assert any(s.service == "cart" for s in slow.suspects)
