"""Verdicts from reports, the suite's JSON document, and the terminal table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from aisher.analysis.report import Candidate, Report, RootCause, TokenUsage
from aisher.evaluation.results import (
    IncidentResult,
    SuiteResult,
    Suspect,
    Verdict,
    verdict_from_report,
)
from aisher.evaluation.suite import LabelledIncident
from aisher.evaluation.table import render_table
from aisher.window import TimeWindow

WINDOW = TimeWindow.ending_at(datetime(2025, 6, 2, 9, 30, tzinfo=UTC), timedelta(minutes=30))


def incident(name: str, kind: str, root_cause: tuple[str, ...]) -> LabelledIncident:
    return LabelledIncident(
        name, kind, "dispatch-api", WINDOW, "30m", root_cause, "", Path(name), (Path(name),)
    )


def verdict(named: str, rank: int | None, *, analyzer: str = "heuristic") -> Verdict:
    suspects = (
        Suspect(named, "POST /v1/shipments", 0.81, "service", False),
        Suspect("orders-db", "SELECT orders.shipments", 0.4, "dependency", False),
        Suspect("tracking-web", "GET /track/:code", 0.1, "service", True),
    )
    return Verdict(
        analyzer,
        named,
        "POST /v1/shipments",
        suspects,
        rank,
        "high",
        0.5,
        prompt_tokens=1000,
        completion_tokens=200,
        cost_usd=0.002,
    )


def suite_result(*, with_llm: bool) -> SuiteResult:
    llm = verdict("warehouse-svc", 1, analyzer="llm:test/model") if with_llm else None
    results = (
        IncidentResult(
            incident("hit", "bad-deploy", ("dispatch-api",)), 900, verdict("dispatch-api", 1)
        ),
        IncidentResult(
            incident("near", "chronic-errors", ("orders-db",)), 800, verdict("dispatch-api", 2), llm
        ),
        IncidentResult(
            incident("gone", "chronic-errors", ("warehouse-svc",)),
            700,
            verdict("dispatch-api", None),
        ),
        IncidentResult(
            incident("broke", "logs-only", ("pricing-engine",)),
            0,
            Verdict.failed("no spans of dispatch-api", 0.1),
        ),
    )
    analyzers = ("heuristic", "llm") if with_llm else ("heuristic",)
    return SuiteResult("suite", results, 12.5, "test/model" if with_llm else None, analyzers)


class TestVerdictFromReport:
    def test_rank_counts_root_cause_then_candidates(self) -> None:
        """The report's root cause ranks first; symptoms are skipped; tokens and cost kept."""
        report = Report(
            service="dispatch-api",
            window=WINDOW,
            error_count=10,
            failing_traces=5,
            root_cause=RootCause(service="dispatch-api", operation="POST /v1/shipments"),
            confidence="medium",
            analyzer="llm:test/model",
            candidates=(
                Candidate(service="tracking-web", operation="GET", score=0.9, symptom=True),
                Candidate(service="dispatch-api", operation="POST", score=0.8),
                Candidate(service="orders-db", operation="SELECT", score=0.5, kind="dependency"),
            ),
            tokens=TokenUsage(prompt=1200, completion=300),
            cost_usd=0.01,
        )
        found = verdict_from_report(report, ("orders-db",), 1.5)
        assert found.rank == 2
        assert found.root_cause == "dispatch-api"
        assert (found.prompt_tokens, found.completion_tokens, found.cost_usd) == (1200, 300, 0.01)
        assert [s.service for s in found.suspects] == ["tracking-web", "dispatch-api", "orders-db"]


class TestSuiteJson:
    def test_shape(self) -> None:
        """The document holds the scores, the scores by kind and every incident's verdict."""
        document = suite_result(with_llm=False).to_json()
        assert document["incidents"] == 4
        assert document["heuristic"]["ac1"] == 0.25
        assert document["heuristic"]["ac3"] == 0.5
        assert document["heuristic"]["by_kind"]["chronic-errors"]["incidents"] == 2
        assert document["llm"] is None
        broke = document["results"][3]
        assert broke["heuristic"]["error"] == "no spans of dispatch-api"
        assert broke["heuristic"]["rank"] is None
        assert document["results"][0]["root_cause"] == ["dispatch-api"]

    def test_llm_usage(self) -> None:
        """With the LLM path, its scores cover the incidents it answered, with tokens and cost."""
        llm = suite_result(with_llm=True).to_json()["llm"]
        assert llm["incidents"] == 1
        assert llm["ac1"] == 1.0
        assert llm["answered_by_llm"] == 1
        assert llm["tokens"] == {"prompt": 1000, "completion": 200}
        assert llm["model"] == "test/model"


class TestRenderTable:
    def test_table_and_misses(self) -> None:
        """Totals, a row per incident, a row per kind, and each miss explained with the rank of
        the right answer and the top suspects."""
        text = render_table(suite_result(with_llm=False))
        assert "AC@1 0.250  AC@3 0.500  MRR 0.375" in text
        assert "near" in text
        assert "chronic-errors  2" in text
        assert (
            "near [chronic-errors]: asked dispatch-api, named dispatch-api (POST /v1/shipments); "
            "orders-db ranked 2; top suspects: dispatch-api 0.81, orders-db 0.40 (dependency), "
            "tracking-web 0.10 symptom"
        ) in text
        assert "gone [chronic-errors]: asked dispatch-api, named dispatch-api" in text
        assert "warehouse-svc not among the 3 candidates" in text
        assert "broke: the analysis failed: no spans of dispatch-api" in text
        assert "hit [" not in text

    def test_llm_columns_and_usage(self) -> None:
        """With the LLM path the table has its columns and a line of tokens and cost."""
        text = render_table(suite_result(with_llm=True))
        assert "llm named" in text
        assert "1 of 1 answers from the model" in text
        assert "1,000 prompt + 200 completion tokens, $0.0020" in text
