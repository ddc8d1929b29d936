"""The deterministic answer: who is named, what the summary says, which steps come first."""

from __future__ import annotations

from aisher.analysis.evidence.baseline import WindowComparison
from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.heuristic import explain
from aisher.telemetry import ServiceStats
from tests.analysis.evidence.test_concurrent import STATS as CONCURRENT_STATS
from tests.analysis.evidence.test_concurrent import search_outage
from tests.analysis.evidence.test_counterparts import STATS as CLIENT_STATS
from tests.analysis.evidence.test_counterparts import client_failures
from tests.analysis.evidence.test_instances import STATS as INSTANCE_STATS
from tests.analysis.evidence.test_instances import failures, pods
from tests.analysis.evidence.test_ranking import STATS, WINDOW, cascading_failure


class TestExplain:
    def test_service_fault_is_named_with_its_path(self) -> None:
        """A failing service is named with its exception and the way the error travelled."""
        evidence = build_evidence("frontend", WINDOW, cascading_failure(12), list(STATS.values()))
        answer = explain(evidence)
        assert (answer.root_cause.service, answer.root_cause.exception_type) == (
            "payment",
            "KeyError",
        )
        assert "checkout → frontend" in answer.root_cause.summary
        assert answer.citations == evidence.suspects[0].evidence

    def test_no_failing_traces_says_so(self) -> None:
        """A window without failures or slowness names nothing and says why."""
        evidence = build_evidence("frontend", WINDOW, [], [ServiceStats("frontend", 10, 0, 10, 0)])
        answer = explain(evidence)
        assert answer.root_cause.service is None
        assert "No failing traces" in answer.root_cause.summary

    def test_exhausted_pool_suggests_the_pool_first(self) -> None:
        """A caller whose pool turned its calls away gets the pool step."""
        spans = client_failures(
            6, "checkout", {"db.system": "postgresql"}, "QueuePool limit of size 5 reached"
        )
        answer = explain(build_evidence("frontend", WINDOW, spans, list(CLIENT_STATS.values())))
        assert answer.remediation[0].startswith("Raise checkout's connection pool")

    def test_bad_instance_suggests_draining_it(self) -> None:
        """Failures of one pod put draining that pod first."""
        evidence = build_evidence(
            "frontend",
            WINDOW,
            failures(8, "payment-7d9-abc"),
            INSTANCE_STATS,
            comparison=WindowComparison(instances=pods(30, 0)),
        )
        assert explain(evidence).remediation[0].startswith("Drain or restart payment-7d9-abc")

    def test_unrelated_failure_is_its_own_incident(self) -> None:
        """A second, unrelated new failure gets a step of its own."""
        spans = cascading_failure(14) + search_outage(10)
        answer = explain(build_evidence("frontend", WINDOW, spans, CONCURRENT_STATS))
        assert any(
            step.startswith("Treat search as a separate incident") for step in answer.remediation
        )
