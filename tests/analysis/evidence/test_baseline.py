"""A baseline worth comparing against: long enough, said in the report, and trusted only when
it holds enough requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aisher.analysis.evidence.baseline import MIN_BASELINE, Baseline, WindowComparison
from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.confidence import assess_confidence
from aisher.analysis.evidence.model import Confidence
from aisher.analysis.evidence.origins import find_origins
from aisher.analysis.evidence.ranking import rank_suspects
from aisher.analysis.heuristic import explain
from aisher.analysis.report_builder import build_report
from aisher.signoz.comparisons import OperationStats
from aisher.window import TimeWindow
from tests.analysis.evidence.test_ranking import SERVICES, STATS, cascading_failure

END = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def window(minutes: int) -> TimeWindow:
    return TimeWindow.ending_at(END, timedelta(minutes=minutes))


class TestBaseline:
    def test_short_window_gets_thirty_minutes_and_yesterday(self) -> None:
        """A 2-minute window is compared with the 30 minutes before it and yesterday's 2."""
        baseline = Baseline.for_window(window(2))
        assert baseline.before.length == MIN_BASELINE
        assert baseline.before.end == window(2).start
        assert baseline.yesterday == TimeWindow(
            start=window(2).start - timedelta(days=1), end=END - timedelta(days=1)
        )
        older, newer, yesterday = baseline.segments
        assert older.end == newer.start
        assert yesterday == baseline.yesterday

    def test_long_window_is_compared_with_as_long_before(self) -> None:
        """A 2-hour window gets the 2 hours before; a day-long window no 'yesterday'."""
        assert Baseline.for_window(window(120)).before.length == timedelta(hours=2)
        day = Baseline.for_window(window(24 * 60))
        assert day.yesterday is None
        assert len(day.segments) == 2

    def test_summary_says_what_was_compared(self) -> None:
        """The description names the stretch before and whether yesterday held data."""
        baseline = Baseline.for_window(window(2))
        with_data = baseline.summary((400, 420, 30))
        assert "30 min before the window" in with_data.description
        assert "2 min yesterday (30 spans)" in with_data.description
        assert with_data.spans == 850
        assert "holds no data" in baseline.summary((400, 420, 0)).description


class TestThinBaseline:
    def test_few_baseline_requests_lower_the_confidence(self) -> None:
        """The same dominant cause is high with a full baseline, medium with a thin one."""
        origins = find_origins(cascading_failure(40), SERVICES)
        suspects = rank_suspects(origins, 40, STATS, [])
        assert assess_confidence(suspects, 40, baseline_spans=5000).level is Confidence.HIGH
        thin = assess_confidence(suspects, 40, baseline_spans=12)
        assert thin.level is Confidence.MEDIUM
        assert "only 12 spans" in thin.reason

    def test_report_says_which_baseline_was_used(self) -> None:
        """The report carries the baseline's description, stretches and span count."""
        short = window(2)
        comparison = WindowComparison(
            Baseline.for_window(short),
            operations=[
                OperationStats("frontend", "GET /checkout", 40, 12, 1e6, 2e6, (9, 8, 0), (0, 0, 0))
            ],
        )
        evidence = build_evidence(
            "frontend", short, cascading_failure(12), list(STATS.values()), comparison=comparison
        )
        report = build_report(evidence, explain(evidence), generated_at="2026-11-26T10:00:00Z")
        assert report.baseline is not None
        assert report.baseline.spans == 17
        assert len(report.baseline.windows) == 3
        assert "30 min before the window" in report.baseline.description
        assert report.confidence != "high"
