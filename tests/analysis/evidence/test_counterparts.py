"""Client-side failures: both sides of a failing call are listed, and the reasons say which
one is above the other."""

from __future__ import annotations

from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.confidence import assess_confidence
from aisher.analysis.evidence.model import BlameKind, Confidence
from aisher.analysis.evidence.origins import find_origins
from aisher.analysis.evidence.ranking import rank_suspects
from aisher.analysis.heuristic import explain
from aisher.analysis.report_builder import build_report
from aisher.telemetry import ServiceStats, SpanRecord
from tests.analysis.evidence.test_ranking import WINDOW
from tests.support.traces import TraceBuilder

SERVICES = frozenset({"frontend", "checkout", "payment"})
STATS = {
    "frontend": ServiceStats("frontend", 1000, 20, 1000, 0),
    "checkout": ServiceStats("checkout", 800, 20, 800, 0),
    "payment": ServiceStats("payment", 600, 20, 600, 0),
}


def client_failures(
    count: int, service: str, peer: dict[str, str], message: str
) -> list[SpanRecord]:
    """`count` traces where `service`'s client call to `peer` fails with `message`."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("frontend", "POST /buy", error=True)
        server = trace.span(service, "POST /work", parent=root, error=True)
        trace.span(
            service, "call", parent=server, kind="Client", error=True, message=message,
            attributes=peer,
        )  # fmt: skip
        spans += trace.spans
    return spans


class TestCounterparts:
    def test_failing_dependency_keeps_its_caller_listed(self) -> None:
        """stripe, failing, ranks first; payment, which owns the failing calls, comes next."""
        spans = client_failures(
            12, "payment", {"peer.service": "stripe"}, "503 Service Unavailable"
        )
        suspects = rank_suspects(find_origins(spans, SERVICES), 12, STATS, [])
        first, second = suspects[:2]
        assert (first.service, first.blame) == ("stripe", BlameKind.DEPENDENCY)
        assert (second.service, second.beside, second.symptom) == ("payment", "stripe", False)
        assert second.score < first.score
        assert any("ranked below stripe" in reason for reason in second.reasons)

    def test_exhausted_pool_puts_the_caller_first_and_the_database_beside_it(self) -> None:
        """checkout's own pool refused the calls: checkout first, postgresql listed as context."""
        spans = client_failures(
            12,
            "checkout",
            {"db.system": "postgresql"},
            "HikariPool-1 - Connection is not available, request timed out after 30000ms.",
        )
        suspects = rank_suspects(find_origins(spans, SERVICES), 12, STATS, [])
        first, second = suspects[:2]
        assert (first.service, first.blame) == ("checkout", BlameKind.SERVICE)
        assert any("never left" in reason for reason in first.reasons)
        assert (second.service, second.blame, second.beside) == (
            "postgresql",
            BlameKind.DEPENDENCY,
            "checkout",
        )
        assert any("ranked below checkout" in reason for reason in second.reasons)

    def test_a_counterpart_does_not_count_against_confidence(self) -> None:
        """The caller listed beside a dominant dependency leaves the confidence high."""
        spans = client_failures(
            12, "payment", {"peer.service": "stripe"}, "503 Service Unavailable"
        )
        suspects = rank_suspects(find_origins(spans, SERVICES), 12, STATS, [])
        assert assess_confidence(suspects, 12).level is Confidence.HIGH

    def test_the_heuristic_says_the_dependency_was_not_reached(self) -> None:
        """For an exhausted pool the answer names the caller and says the calls never left it."""
        spans = client_failures(
            6, "checkout", {"db.system": "postgresql"}, "redis: connection pool timeout"
        )
        evidence = build_evidence("frontend", WINDOW, spans, list(STATS.values()))
        answer = explain(evidence)
        assert answer.root_cause.service == "checkout"
        assert "never reached the dependency" in answer.root_cause.summary
        report = build_report(evidence, answer, generated_at="2026-11-26T10:00:00Z")
        assert [c.service for c in report.candidates[:2]] == ["checkout", "postgresql"]
