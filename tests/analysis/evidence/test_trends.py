"""Chronic errors: per error group and operation, background failures against new ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aisher.analysis.evidence.baseline import Baseline, WindowComparison
from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.trends import trend
from aisher.analysis.heuristic import explain
from aisher.analysis.report_builder import build_report
from aisher.render.text import render_text
from aisher.signoz.comparisons import ErrorSignature, OperationStats
from aisher.telemetry import ServiceStats, SpanRecord
from aisher.window import TimeWindow
from tests.support.traces import TraceBuilder

WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(minutes=30))


def traffic(
    spans: int, baseline: tuple[int, ...], service: str = "s", name: str = "op"
) -> OperationStats:
    return OperationStats(
        service, name, spans, 0, 1e6, 2e6, baseline, (0,) * len(baseline), 1e6, 2e6
    )


class TestGroupTrend:
    def test_same_rate_as_before_is_chronic(self) -> None:
        """30 failures in 1000 spans after 28 and 31 in the two halves before: chronic."""
        found = trend(30, (28, 31), traffic(1000, (1000, 1000)))
        assert found.chronic
        assert found.lift < 0.2

    def test_never_seen_before_is_new(self) -> None:
        """Failures of a group the baseline never had are new, with a high lift."""
        found = trend(12, (0, 0), traffic(1000, (1000, 1000)))
        assert not found.chronic
        assert found.lift > 0.7

    def test_well_beyond_its_baseline_rate_is_new(self) -> None:
        """Sixty failures where the baseline rate predicts five: grown, not chronic."""
        found = trend(60, (5, 5), traffic(1000, (1000, 1000)))
        assert not found.chronic
        assert found.expected == 5.0

    def test_started_late_in_the_baseline_is_new(self) -> None:
        """Absent from the older half of the baseline: it began just before the window."""
        assert not trend(60, (0, 55), traffic(1000, (1000, 1000))).chronic

    def test_a_rare_chronic_error_missing_from_one_half_by_chance_stays_chronic(self) -> None:
        """Two failures now, none then two before: too few to call it a new onset."""
        assert trend(2, (0, 2), traffic(1000, (1000, 1000))).chronic

    def test_low_traffic_still_compares(self) -> None:
        """Five failures in 11 requests after four in 14: low traffic, same rate, chronic."""
        assert trend(5, (2, 2), traffic(11, (5, 9))).chronic

    def test_no_baseline_traffic_gives_no_verdict(self) -> None:
        """An operation the baseline never saw cannot have a chronic failure."""
        found = trend(5, (0, 0), traffic(1000, (0, 0)))
        assert not found.chronic
        assert found.lift == 0.0


def search_noise(count: int) -> list[SpanRecord]:
    """frontend's own search fails in `count` traces: its steady background error."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        trace.span("frontend", "GET /search", error=True, message="index shard unavailable")
        spans += trace.spans
    return spans


def payment_failures(count: int) -> list[SpanRecord]:
    """`count` checkouts where payment throws and frontend passes the error up."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("frontend", "POST /checkout", error=True)
        trace.span(
            "payment", "POST /charge", parent=root, error=True, exception=("KeyError", "'currency'")
        )
        spans += trace.spans
    return spans


def signature(
    service: str, operation: str, count: int, before: tuple[int, int], **texts: str
) -> ErrorSignature:
    return ErrorSignature(
        service=service,
        operation=operation,
        kind="Server",
        exception_type=texts.get("exception_type", ""),
        exception_message=texts.get("exception_message", ""),
        status_message=texts.get("status_message", ""),
        http_status="",
        count=count,
        baseline_counts=before,
    )


STATS = [
    ServiceStats("frontend", 4000, 60, 8000, 100),
    ServiceStats("payment", 500, 10, 1000, 0),
]


def evidence(*, chronic_search: bool = True, payment: int = 10) -> Evidence:
    """frontend: 50 traces of its own search errors, and `payment` new payment failures."""
    before = (48, 52) if chronic_search else (0, 0)
    comparison = WindowComparison(
        Baseline.for_window(WINDOW),
        operations=[
            traffic(1000, (1000, 1000), "frontend", "GET /search"),
            traffic(500, (500, 500), "payment", "POST /charge"),
            traffic(500, (500, 500), "frontend", "POST /checkout"),
        ],
        signatures=[
            signature(
                "frontend", "GET /search", 50, before, status_message="index shard unavailable"
            ),
            signature(
                "payment",
                "POST /charge",
                payment,
                (0, 0),
                exception_type="KeyError",
                exception_message="'currency'",
            ),
        ],
    )
    spans = search_noise(50) + payment_failures(payment)
    return build_evidence("frontend", WINDOW, spans, STATS, comparison=comparison)


class TestChronicRanking:
    def test_new_group_outranks_a_more_numerous_chronic_one(self) -> None:
        """Ten new payment failures rank above fifty chronic search errors of the asked service."""
        found = evidence()
        top = found.suspects[0]
        assert (top.service, top.chronic) == ("payment", False)
        frontend = next(s for s in found.suspects if s.service == "frontend")
        assert frontend.chronic
        assert not frontend.symptom
        assert any("failing as before" in reason for reason in frontend.reasons)

    def test_without_history_the_numerous_group_would_win(self) -> None:
        """The same spans with the search errors new too: frontend, the bigger origin, leads."""
        assert evidence(chronic_search=False).suspects[0].service == "frontend"

    def test_report_lists_chronic_groups_apart(self) -> None:
        """The chronic group moves to 'also failing, as before'; the text report shows it."""
        found = evidence()
        report = build_report(found, explain(found), generated_at="2026-11-26T10:00:00Z")
        assert [g.operation for g in report.also_failing] == ["GET /search"]
        assert all(g.operation != "GET /search" for g in report.error_groups)
        assert "Also failing, as before:" in render_text(report)
        assert report.root_cause.service == "payment"

    def test_only_chronic_errors_name_no_cause(self) -> None:
        """When every failure was there before at the same rate, nothing new is named."""
        found = evidence(payment=0)
        answer = explain(found)
        assert answer.root_cause.service is None
        assert "Nothing new fails" in answer.root_cause.summary
        report = build_report(found, answer, generated_at="2026-11-26T10:00:00Z")
        assert report.confidence == "low"
        assert not report.insufficient_evidence
