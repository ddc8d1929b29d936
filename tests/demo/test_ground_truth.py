"""The ground truth of each fault kind is where the generated failures really originate."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta

import pytest

from aisher.demo import FaultKind, Scenario, ScenarioSpec, generate_scenario, scenario_suite
from tests.demo.conftest import NOW_NS
from tests.demo.traces import deepest_errors, incident_fault_traces, origin_holds

SUITE = scenario_suite(count=20, seed=11)


class TestGroundTruth:
    @pytest.mark.parametrize(
        "kind",
        [FaultKind.FAILING_DEPENDENCY, FaultKind.DB_POOL_EXHAUSTION, FaultKind.BAD_DEPLOY],
    )
    def test_errors_start_at_the_root_cause(
        self, scenarios: dict[FaultKind, Scenario], kind: FaultKind
    ) -> None:
        """In every trace the fault touched, a deepest error span belongs to the root cause."""
        scenario = scenarios[kind]
        faulty = incident_fault_traces(scenario)
        assert len(faulty) >= 10
        for spans in faulty:
            assert any(
                span.service == scenario.truth.root_cause_service for span in deepest_errors(spans)
            )
        root_errors = [
            span
            for spans in faulty
            for span in spans
            if span.service == scenario.truth.root_cause_service and span.exceptions
        ]
        assert root_errors

    def test_db_pool_exhaustion_fails_on_an_internal_span(
        self, scenarios: dict[FaultKind, Scenario]
    ) -> None:
        """The pool timeout is an Internal span with SQLTransientConnectionException, long."""
        scenario = scenarios[FaultKind.DB_POOL_EXHAUSTION]
        internal = [
            span
            for span in scenario.spans
            if span.kind == "Internal" and span.has_error and span.exceptions
        ]
        assert internal
        for span in internal:
            assert span.service == scenario.truth.root_cause_service
            assert span.exceptions[0].type == "java.sql.SQLTransientConnectionException"
            assert "Connection is not available, request timed out" in span.exceptions[0].message
            assert span.duration_ms >= 1000

    def test_external_outage_fails_client_spans_to_the_dependency(
        self, scenarios: dict[FaultKind, Scenario]
    ) -> None:
        """The failing calls are the caller's Client spans, with `peer.service` = the API."""
        scenario = scenarios[FaultKind.EXTERNAL_OUTAGE]
        truth = scenario.truth
        assert truth.root_cause_service == truth.dependency == "stripe"
        assert truth.caller_service == "payment-svc"
        for spans in incident_fault_traces(scenario):
            deepest = deepest_errors(spans)
            assert any(
                span.kind == "Client"
                and span.service == truth.caller_service
                and span.attributes.get("peer.service") == truth.dependency
                and span.attributes.get("server.address") == "api.stripe.com"
                for span in deepest
            )
        assert not any(span.service == "stripe" for span in scenario.spans)

    def test_timeout_cascade_slow_service_is_long_but_not_failing(
        self, scenarios: dict[FaultKind, Scenario]
    ) -> None:
        """The slow service's server spans run past the caller's timeout and never error;
        the caller's client spans around them fail, and the failure climbs up."""
        scenario = scenarios[FaultKind.TIMEOUT_CASCADE]
        slow = scenario.truth.root_cause_service
        assert not any(span.has_error for span in scenario.spans if span.service == slow)
        faulty = incident_fault_traces(scenario)
        assert len(faulty) >= 10
        for spans in faulty:
            by_id = {span.span_id: span for span in spans}
            late = [
                span
                for span in spans
                if span.service == slow and span.kind == "Server" and span.duration_ms > 3000
            ]
            assert late
            for span in late:
                caller = by_id[span.parent_span_id]
                assert caller.kind == "Client"
                assert caller.has_error
                assert caller.duration_ms < span.duration_ms
            assert by_id[next(s.span_id for s in spans if s.is_root)].has_error or any(
                s.has_error for s in spans if s.service != slow
            )

    def test_bad_deploy_changes_the_version(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """The new release appears at or shortly before the window; old pods stop sending."""
        scenario = scenarios[FaultKind.BAD_DEPLOY]
        truth = scenario.truth
        assert (truth.previous_version, truth.version) == ("2.3.1", "2.4.0")
        spans = [s for s in scenario.spans if s.service == truth.root_cause_service]
        first_new = min(s.start_ns for s in spans if s.version == truth.version)
        last_old = max(s.start_ns for s in spans if s.version == truth.previous_version)
        start, minute = scenario.window.start_ns, 60 * 1_000_000_000
        assert start - 5 * minute <= truth.started_ns <= start
        assert truth.started_ns <= first_new < truth.started_ns + 5 * minute
        assert last_old < truth.started_ns + 2 * minute
        failing = [s for s in spans if s.exceptions and s.operation == truth.root_operation]
        assert failing
        assert {s.version for s in failing} == {truth.version}
        assert {s.exceptions[0].type for s in failing} == {"java.lang.NullPointerException"}
        pods = {s.resource["k8s.pod.name"] for s in spans if s.version == truth.version}
        old_pods = {s.resource["k8s.pod.name"] for s in spans if s.version != truth.version}
        assert pods
        assert old_pods
        assert not pods & old_pods

    def test_fault_raises_errors_over_the_baseline(
        self, scenarios: dict[FaultKind, Scenario]
    ) -> None:
        """Entry requests fail clearly more often during the incident than before it."""
        for kind, scenario in scenarios.items():
            roots = [span for span in scenario.spans if span.is_root]
            start = scenario.window.start_ns
            before = sum(1 for s in roots if s.start_ns < start and s.has_error)
            during = sum(1 for s in roots if s.start_ns >= start and s.has_error)
            assert during >= 2 * before + 5, kind

    def test_failure_is_partial(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """Only part of the requests to the failing operation fail during the incident."""
        scenario = scenarios[FaultKind.FAILING_DEPENDENCY]
        truth = scenario.truth
        served = [
            span
            for span in scenario.spans
            if span.service == truth.root_cause_service
            and span.operation == truth.root_operation
            and span.kind == "Server"
            and span.start_ns >= truth.started_ns
        ]
        failed = sum(1 for span in served if span.has_error)
        assert 0.15 <= failed / len(served) <= 0.75

    def test_retries_repeat_failing_calls(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """A caller that retries leaves several failing client spans under one parent."""
        scenario = scenarios[FaultKind.FAILING_DEPENDENCY]
        repeats = Counter(
            (span.parent_span_id, span.operation)
            for span in scenario.spans
            if span.kind == "Client" and span.has_error
        )
        assert max(repeats.values()) >= 2


class TestSuiteGroundTruth:
    @pytest.mark.parametrize(
        "spec", SUITE, ids=[f"{s.topology}-{s.fault_kind.value}-{s.fault_target}" for s in SUITE]
    )
    def test_failures_start_at_the_ground_truth(self, spec: ScenarioSpec) -> None:
        """In every system, each trace the fault touched shows the failure starting there."""
        short = dataclasses.replace(spec, window=timedelta(minutes=20))
        scenario = generate_scenario(short, now_ns=NOW_NS)
        faulty = incident_fault_traces(scenario)
        assert len(faulty) >= 3
        for spans in faulty:
            assert origin_holds(scenario, spans)
        if spec.fault_kind is FaultKind.EXTERNAL_OUTAGE:
            assert not any(s.service == scenario.truth.dependency for s in scenario.spans)
        if spec.fault_kind is FaultKind.TIMEOUT_CASCADE:
            slow = scenario.truth.root_cause_service
            for spans in faulty:  # slow, but it answers; only a flaky cache read may fail
                assert not any(
                    s.has_error for s in spans if s.service == slow and s.kind == "Server"
                )
