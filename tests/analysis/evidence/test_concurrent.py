"""Several faults at once: two unrelated new failures are both causes, with less confidence."""

from __future__ import annotations

from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.confidence import concurrent_causes
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.heuristic import explain
from aisher.analysis.report_builder import build_report
from aisher.telemetry import ServiceStats, SpanRecord
from tests.analysis.evidence.test_ranking import WINDOW, cascading_failure
from tests.support.traces import TraceBuilder

STATS = [
    ServiceStats("frontend", 3000, 60, 3000, 0),
    ServiceStats("checkout", 1000, 30, 1000, 0),
    ServiceStats("payment", 800, 30, 800, 0),
    ServiceStats("search", 900, 25, 900, 0),
]


def search_outage(count: int) -> list[SpanRecord]:
    """`count` searches failing in the search service, a different path than checkout."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /search", error=True)
        trace.span("search", "GET /q", parent=root, error=True,
                   exception=("ShardUnavailable", "index orders-7 has no primary"))  # fmt: skip
        spans += trace.spans
    return spans


def two_faults() -> Evidence:
    return build_evidence("frontend", WINDOW, cascading_failure(14) + search_outage(10), STATS)


class TestConcurrentCauses:
    def test_two_unrelated_new_failures_are_both_causes(self) -> None:
        """payment's and search's failures, on different paths, are both reported."""
        evidence = two_faults()
        assert evidence.suspects[0].service == "payment"
        assert evidence.concurrent == ("search",)

    def test_a_failure_propagating_through_another_is_not_separate(self) -> None:
        """A cause sitting on the top cause's path is not an unrelated failure."""
        evidence = build_evidence("frontend", WINDOW, cascading_failure(14), STATS)
        assert concurrent_causes(evidence.suspects, evidence.origins) == ()

    def test_report_lowers_confidence_and_names_both(self) -> None:
        """The report names the other cause, says so in the summary, and is less confident."""
        evidence = two_faults()
        answer = explain(evidence)
        assert "more new failure" in answer.root_cause.summary
        assert "search" in answer.root_cause.summary
        report = build_report(evidence, answer, generated_at="2026-11-26T10:00:00Z")
        assert [cause.service for cause in report.other_causes] == ["search"]
        assert report.confidence == "low"
        alone = build_evidence("frontend", WINDOW, cascading_failure(14), STATS)
        assert build_report(alone, explain(alone), generated_at="x").confidence != "low"
