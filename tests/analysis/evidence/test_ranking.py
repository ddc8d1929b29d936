"""Suspect ranking, deploy detection and code-computed confidence."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.model import BlameKind, Confidence, VersionChange
from aisher.analysis.evidence.origins import find_origins
from aisher.analysis.evidence.ranking import (
    anomaly,
    assess_confidence,
    detect_deploys,
    rank_suspects,
    rate_lift,
)
from aisher.telemetry import ServiceStats, SpanRecord, VersionSeen
from aisher.window import TimeWindow
from tests.support.traces import TraceBuilder

WINDOW = TimeWindow.ending_at(datetime(2026, 11, 26, 10, 0, tzinfo=UTC), timedelta(minutes=30))
SERVICES = frozenset({"frontend", "checkout", "payment", "search"})


def cascading_failure(count: int) -> list[SpanRecord]:
    """`count` traces where payment fails and checkout and frontend pass the error up."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /checkout", error=True)
        mid = trace.span("checkout", "POST /checkout", parent=root, error=True)
        trace.span(
            "payment", "POST /charge", parent=mid, error=True, exception=("KeyError", "'currency'")
        )
        spans += trace.spans
    return spans


def noise(count: int) -> list[SpanRecord]:
    """`count` traces where search fails on its own (a steady background error)."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /search", error=True)
        trace.span("search", "GET /q", parent=root, error=True, message="index shard unavailable")
        spans += trace.spans
    return spans


STATS = {
    "frontend": ServiceStats("frontend", 1000, 60, 1000, 10),
    "checkout": ServiceStats("checkout", 500, 40, 500, 0),
    "payment": ServiceStats("payment", 400, 40, 400, 0),
    "search": ServiceStats("search", 300, 10, 300, 10),
}


class TestRankSuspects:
    def test_cause_outranks_its_symptoms_and_steady_noise(self) -> None:
        """The service where errors start ranks first; propagating services rank after causes."""
        origins = find_origins(cascading_failure(40) + noise(10), SERVICES)
        suspects = rank_suspects(origins, 50, STATS, [])
        assert suspects[0].service == "payment"
        causes = [s.service for s in suspects if not s.symptom]
        symptoms = [s.service for s in suspects if s.symptom]
        assert causes == ["payment", "search"]
        assert set(symptoms) == {"checkout", "frontend"}
        assert min(s.score for s in suspects if not s.symptom) > max(
            s.score for s in suspects if s.symptom
        )

    def test_a_fault_outranks_a_refusal_seen_as_often(self) -> None:
        """One new panic in a service and one declined card at a payment API: the refusal is a
        business answer as often as a fault, so the panic ranks first."""
        spans: list[SpanRecord] = []
        trace = TraceBuilder()
        root = trace.span("frontend", "POST /order", error=True)
        panic = ("runtime.Error", "nil pointer dereference")
        trace.span("checkout", "POST /reserve", parent=root, error=True, exception=panic)
        spans += trace.spans
        trace = TraceBuilder()
        root = trace.span("frontend", "POST /order", error=True)
        payflow = {"peer.service": "payflow"}
        call = trace.span(
            "payment", "POST /v2/payments", parent=root, kind="Client", error=True,
            message="card_declined", attributes=payflow,
        )  # fmt: skip
        spans += [
            dataclasses.replace(span, http_status="402") if span.span_id == call else span
            for span in trace.spans
        ]
        suspects = rank_suspects(find_origins(spans, SERVICES), 2, STATS, [])
        causes = [s for s in suspects if not s.symptom]
        assert causes[0].service == "checkout"
        refused = next(s for s in causes if s.service == "payflow")
        assert any("refusals" in reason for reason in refused.reasons)

    def test_symptom_with_more_errors_never_outranks_the_cause(self) -> None:
        """Even when the entry service has ten times the errors of the cause, it ranks below it."""
        stats = {**STATS, "frontend": ServiceStats("frontend", 1000, 900, 1000, 0)}
        origins = find_origins(cascading_failure(3), SERVICES)
        suspects = rank_suspects(origins, 3, stats, [])
        ranks = {s.service: i for i, s in enumerate(suspects)}
        assert ranks["payment"] < ranks["frontend"]

    def test_evidence_cites_traces_and_spans_of_the_suspect(self) -> None:
        """A suspect's evidence references the traces and spans where its failures start."""
        spans = cascading_failure(2)
        suspects = rank_suspects(find_origins(spans, SERVICES), 2, STATS, [])
        payment_spans = {s.span_id for s in spans if s.service == "payment"}
        refs = suspects[0].evidence
        assert any(ref.startswith("trace:") for ref in refs)
        assert {ref.split(":")[1] for ref in refs if ref.startswith("span:")} <= payment_spans

    def test_recent_deploy_adds_to_the_score(self) -> None:
        """Of two equally frequent origins, the one deployed in the window ranks first."""
        spans = cascading_failure(5)
        for _ in range(5):
            trace = TraceBuilder()
            root = trace.span("frontend", "GET /s", error=True)
            trace.span("search", "GET /q", parent=root, error=True)
            spans += trace.spans
        stats = {**STATS, "search": ServiceStats("search", 300, 5, 300, 0)}
        origins = find_origins(spans, SERVICES)
        deploy = detect_deploys(
            [
                VersionSeen("search", "1.0", WINDOW.baseline().start_ns, WINDOW.start_ns, 100),
                VersionSeen("search", "1.1", WINDOW.start_ns + 60_000_000_000, WINDOW.end_ns, 100),
            ],
            WINDOW,
        )
        suspects = rank_suspects(origins, 10, stats, deploy)
        assert suspects[0].service == "search"
        assert suspects[0].deploy is not None
        assert suspects[0].deploy.new_version == "1.1"


class TestDetectDeploys:
    def test_version_first_seen_in_window_is_a_deploy(self) -> None:
        """A new version first seen inside the window counts as a deploy from the previous one."""
        seen = [
            VersionSeen("payment", "2.4.0", WINDOW.start_ns + 5, WINDOW.end_ns, 10),
            VersionSeen("payment", "2.3.1", WINDOW.baseline().start_ns, WINDOW.start_ns, 10),
        ]
        (change,) = detect_deploys(seen, WINDOW)
        assert (change.old_version, change.new_version) == ("2.3.1", "2.4.0")

    def test_long_running_version_is_not_a_deploy(self) -> None:
        """A service with one version, or whose change predates the baseline, has no deploy."""
        old = WINDOW.baseline().start_ns - 10**12
        seen = [
            VersionSeen("cart", "1.0", old - 10**12, old, 5),
            VersionSeen("cart", "1.1", old, WINDOW.end_ns, 5),
            VersionSeen("search", "3.0", WINDOW.baseline().start_ns, WINDOW.end_ns, 5),
        ]
        assert detect_deploys(seen, WINDOW) == []


class TestRateLift:
    def test_large_jump_is_nearly_all_new(self) -> None:
        """From 1 in 1000 to 300 in 1000 errors, nearly all of the error rate is new."""
        assert rate_lift(ServiceStats("x", 1000, 300, 1000, 1)) > 0.97

    def test_small_counts_are_discounted(self) -> None:
        """Three errors where one was expected is weak evidence of anything new."""
        assert rate_lift(ServiceStats("x", 100, 3, 100, 1)) < 0.4

    def test_no_errors_no_lift(self) -> None:
        """A service without errors has no lift, and a steady rate has none either."""
        assert rate_lift(ServiceStats("x", 100, 0, 100, 0)) == 0.0
        assert rate_lift(ServiceStats("x", 100, 50, 100, 50)) == 0.0


class TestAnomaly:
    def test_slow_callee_borrows_its_callers_lift(self) -> None:
        """A slow service without errors of its own is as anomalous as the caller timing out."""
        stats = {
            "shipping": ServiceStats("shipping", 500, 0, 500, 0),
            "checkout": ServiceStats("checkout", 500, 80, 500, 1),
        }
        lift = anomaly("shipping", BlameKind.SLOW_CALLEE, "checkout", stats)
        assert lift == rate_lift(stats["checkout"])
        assert lift > 0.9
        assert anomaly("shipping", BlameKind.SERVICE, "checkout", stats) == 0.0


class TestConfidence:
    def test_dominant_well_supported_cause_is_high(self) -> None:
        """Forty of fifty failing traces starting in one service give high confidence."""
        origins = find_origins(cascading_failure(40) + noise(10), SERVICES)
        assessment = assess_confidence(rank_suspects(origins, 50, STATS, []), 50)
        assert assessment.level is Confidence.HIGH
        assert not assessment.insufficient

    def test_too_few_failing_traces_is_insufficient(self) -> None:
        """Two failing traces are not enough to name a cause."""
        origins = find_origins(cascading_failure(2), SERVICES)
        assessment = assess_confidence(rank_suspects(origins, 2, STATS, []), 2)
        assert assessment.insufficient
        assert assessment.level is Confidence.LOW

    def test_split_evidence_is_low(self) -> None:
        """Failures spread evenly over two services give low confidence."""
        origins = find_origins(cascading_failure(10) + noise(10), SERVICES)
        even = {**STATS, "search": ServiceStats("search", 300, 20, 300, 0)}
        assessment = assess_confidence(rank_suspects(origins, 20, even, []), 20)
        assert assessment.level is Confidence.LOW


class TestBuildEvidence:
    def test_groups_origins_and_suspects_come_together(self) -> None:
        """The bundle counts failing traces, groups the errors and ranks payment first."""
        spans = cascading_failure(12) + noise(3)
        evidence = build_evidence("frontend", WINDOW, spans, list(STATS.values()))
        assert evidence.failing_traces == 15
        assert evidence.error_count == 60
        assert evidence.suspects[0].service == "payment"
        assert evidence.suspects[0].blame is BlameKind.SERVICE
        top_group = evidence.groups[0]
        assert (top_group.service, top_group.exception_type, top_group.count) == (
            "payment",
            "KeyError",
            12,
        )
        assert top_group.origin_count == 12
        assert evidence.known_ids() >= {o.trace_id for o in evidence.origins}


def versioned_failures(count: int, service: str, version: str) -> list[SpanRecord]:
    """`count` traces where `service` at `version` fails under frontend."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("frontend", "GET /x", error=True)
        trace.span(service, "op", parent=root, error=True, version=version, message="boom")
        spans += trace.spans
    return spans


class TestDeployVersions:
    DEPLOY = VersionChange("search", "1.0", "1.1", WINDOW.start_ns)

    def test_failures_only_on_the_new_version_weigh_most(self) -> None:
        """A deploy whose new version alone fails adds more than a deploy alone."""
        on_new = rank_suspects(
            find_origins(versioned_failures(4, "search", "1.1"), SERVICES), 4, STATS, [self.DEPLOY]
        )[0]
        unversioned = rank_suspects(
            find_origins(versioned_failures(4, "search", ""), SERVICES), 4, STATS, [self.DEPLOY]
        )[0]
        assert on_new.score > unversioned.score
        assert "only its new version 1.1 fails" in on_new.reasons

    def test_failures_of_the_old_version_get_no_deploy_credit(self) -> None:
        """Failures that all run the old version predate the release: the deploy is ignored."""
        (suspect, *_) = rank_suspects(
            find_origins(versioned_failures(4, "search", "1.0"), SERVICES), 4, STATS, [self.DEPLOY]
        )
        assert suspect.deploy is None
