"""One bad instance: failures that all come from one pod are named by it."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

from aisher.analysis.evidence.baseline import WindowComparison
from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.instances import InstanceIndex
from aisher.analysis.evidence.model import BlameKind
from aisher.analysis.heuristic import explain
from aisher.analysis.report_builder import build_report
from aisher.signoz.comparisons import InstanceStats
from aisher.telemetry import ServiceStats, SpanRecord
from tests.analysis.evidence.test_ranking import WINDOW
from tests.support.traces import TraceBuilder

STATS = [
    ServiceStats("frontend", 2000, 40, 2000, 0),
    ServiceStats("payment", 900, 30, 900, 0),
]


def on_pod(span: SpanRecord, pod: str) -> SpanRecord:
    return dataclasses.replace(span, resource=MappingProxyType({"k8s.pod.name": pod}))


def failures(count: int, pod: str, *, peer: bool = False) -> list[SpanRecord]:
    """`count` traces where payment fails on `pod` (calling stripe, with `peer`)."""
    spans: list[SpanRecord] = []
    for _ in range(count):
        trace = TraceBuilder()
        root = trace.span("frontend", "POST /buy", error=True)
        message = "" if peer else "NullPointerException"
        server = trace.span("payment", "POST /charge", parent=root, error=True, message=message)
        if peer:
            stripe = {"peer.service": "stripe"}
            trace.span("payment", "POST stripe", parent=server, kind="Client", error=True,
                       message="connection reset", attributes=stripe)  # fmt: skip
        spans += [on_pod(s, pod) if s.service == "payment" else s for s in trace.spans]
    return spans


def pods(bad_errors: int, good_errors: int) -> list[InstanceStats]:
    return [
        InstanceStats("payment", "payment-7d9-abc", 300, bad_errors),
        InstanceStats("payment", "payment-7d9-def", 300, good_errors),
        InstanceStats("payment", "payment-7d9-ghi", 300, 0),
    ]


class TestSoleInstance:
    def test_failures_of_one_pod_name_it(self) -> None:
        """Every failure on one of three pods, the others clean: the pod is named."""
        index = InstanceIndex(pods(30, 0))
        spans = [s for s in failures(5, "payment-7d9-abc") if s.service == "payment"]
        assert index.sole_instance(spans) == "payment-7d9-abc"

    def test_siblings_failing_too_name_nothing(self) -> None:
        """When the other pods fail about as often, no instance stands out."""
        index = InstanceIndex(pods(30, 25))
        spans = [s for s in failures(5, "payment-7d9-abc") if s.service == "payment"]
        assert index.sole_instance(spans) == ""

    def test_a_handful_by_chance_is_not_named(self) -> None:
        """Four failures that all landed on one of two equal pods may be luck: not named."""
        index = InstanceIndex(
            [
                InstanceStats("payment", "payment-7d9-abc", 300, 4),
                InstanceStats("payment", "payment-7d9-def", 300, 0),
            ]
        )
        spans = [s for s in failures(4, "payment-7d9-abc") if s.service == "payment"]
        assert index.sole_instance(spans) == ""

    def test_a_lone_instance_is_not_news(self) -> None:
        """A service with a single instance has no bad instance to name."""
        index = InstanceIndex([InstanceStats("payment", "payment-0", 300, 30)])
        spans = [s for s in failures(5, "payment-0") if s.service == "payment"]
        assert index.sole_instance(spans) == ""


class TestBadInstanceInTheReport:
    def test_the_cause_carries_its_instance(self) -> None:
        """payment's failures, all on one pod, name that pod in the suspect and the report."""
        comparison = WindowComparison(instances=pods(30, 0))
        evidence = build_evidence(
            "frontend", WINDOW, failures(8, "payment-7d9-abc"), STATS, comparison=comparison
        )
        top = evidence.suspects[0]
        assert (top.service, top.instance) == ("payment", "payment-7d9-abc")
        answer = explain(evidence)
        assert "payment-7d9-abc" in answer.root_cause.summary
        report = build_report(evidence, answer, generated_at="2026-11-26T10:00:00Z")
        assert report.candidates[0].instance == "payment-7d9-abc"

    def test_one_pod_failing_to_reach_a_dependency_blames_the_pod(self) -> None:
        """Calls to stripe fail from one payment pod only: payment's pod is the cause and
        stripe is listed beside it."""
        comparison = WindowComparison(instances=pods(30, 0))
        spans = failures(8, "payment-7d9-abc", peer=True)
        evidence = build_evidence("frontend", WINDOW, spans, STATS, comparison=comparison)
        first, second = evidence.suspects[:2]
        assert (first.service, first.blame, first.instance) == (
            "payment",
            BlameKind.SERVICE,
            "payment-7d9-abc",
        )
        assert (second.service, second.beside) == ("stripe", "payment")
