"""Generated incidents are deterministic, well-formed traces whose ground truth holds."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import timedelta

import pytest

from aisher.demo import (
    TOPOLOGY_NAMES,
    FaultKind,
    Scenario,
    ScenarioSpec,
    demo_spec,
    generate_scenario,
    scenario_suite,
)
from aisher.demo.scenarios import prepare
from aisher.errors import InputError
from tests.demo.conftest import NOW_NS
from tests.demo.traces import traces

RETENTION_NS = 15 * 86_400 * 1_000_000_000
SMALL = timedelta(minutes=5)


class TestDeterminism:
    def test_same_spec_same_documents(self) -> None:
        """The same spec and `now` give byte-identical OTLP lines and the same truth."""
        spec = dataclasses.replace(demo_spec(), window=SMALL)
        one = generate_scenario(spec, now_ns=NOW_NS)
        two = generate_scenario(spec, now_ns=NOW_NS)
        assert one.otlp_lines == two.otlp_lines
        assert one.truth == two.truth
        assert one.spans == two.spans

    def test_another_seed_gives_other_traffic(self) -> None:
        """Changing only the seed changes the generated traffic."""
        spec = dataclasses.replace(demo_spec(), window=SMALL)
        other = dataclasses.replace(spec, seed=spec.seed + 1)
        assert (
            generate_scenario(spec, now_ns=NOW_NS).otlp_lines
            != generate_scenario(other, now_ns=NOW_NS).otlp_lines
        )

    def test_now_only_shifts_time(self) -> None:
        """Generating an hour later moves every timestamp by exactly an hour."""
        spec = dataclasses.replace(demo_spec(), window=SMALL)
        hour = 3600 * 1_000_000_000
        early = generate_scenario(spec, now_ns=NOW_NS)
        late = generate_scenario(spec, now_ns=NOW_NS + hour)
        assert [s.start_ns + hour for s in early.spans] == [s.start_ns for s in late.spans]
        assert [s.span_id for s in early.spans] == [s.span_id for s in late.spans]


class TestTraceShape:
    def test_every_parent_is_in_the_same_trace(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """Each non-root span's parent is a span of the same trace."""
        for scenario in scenarios.values():
            for spans in traces(scenario).values():
                ids = {span.span_id for span in spans}
                for span in spans:
                    assert span.is_root or span.parent_span_id in ids

    def test_one_root_per_trace_at_the_entry(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """Every trace starts with one server span of the entry service users call."""
        for scenario in scenarios.values():
            for spans in traces(scenario).values():
                roots = [span for span in spans if span.is_root]
                assert len(roots) == 1
                assert roots[0].service == scenario.entry_service
                assert roots[0].kind == "Server"

    def test_children_start_within_their_parent(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """A synchronous child starts no earlier than its parent."""
        for scenario in scenarios.values():
            for spans in traces(scenario).values():
                by_id = {span.span_id: span for span in spans}
                for span in spans:
                    if not span.is_root:
                        assert span.start_ns >= by_id[span.parent_span_id].start_ns


class TestWindows:
    def test_incident_window_ends_now(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """The incident window ends at `now`, and the baseline is the equal window before it."""
        for scenario in scenarios.values():
            assert abs(scenario.window.end_ns - NOW_NS) < 1000
            assert scenario.baseline.end_ns == scenario.window.start_ns
            assert scenario.baseline.length == scenario.window.length == timedelta(minutes=30)

    def test_everything_lies_inside_the_two_windows(
        self, scenarios: dict[FaultKind, Scenario]
    ) -> None:
        """Spans and logs start and end between the baseline's start and now, within retention."""
        for scenario in scenarios.values():
            low, high = scenario.baseline.start_ns, scenario.window.end_ns
            assert low > NOW_NS - RETENTION_NS
            for span in scenario.spans:
                assert low <= span.start_ns
                assert span.start_ns + span.duration_ns <= high
                for exception in span.exceptions:
                    assert low <= exception.time_ns <= high
            for line in scenario.logs:
                assert low <= line.time_ns <= high

    def test_both_windows_have_the_same_traffic(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """Baseline and incident each get the spec's request rate at the entry service."""
        for scenario in scenarios.values():
            roots = [span for span in scenario.spans if span.is_root]
            before = sum(1 for span in roots if span.start_ns < scenario.window.start_ns)
            assert before == len(roots) - before == 12 * 30

    def test_noise_errors_in_both_windows(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """Errors unrelated to the fault occur at similar rates before and during the incident."""
        for scenario in scenarios.values():
            noise = [
                span
                for span in scenario.spans
                if span.has_error and span.trace_id not in scenario.fault_trace_ids
            ]
            before = sum(1 for span in noise if span.start_ns < scenario.window.start_ns)
            during = len(noise) - before
            assert before >= 5
            assert during >= 5
            assert 0.3 <= during / before <= 3.0
            entry_traces = {
                span.trace_id for span in noise if span.service != scenario.entry_service
            }
            assert entry_traces, "noise also shows up inside the entry service's traces"


class TestLogs:
    def test_error_logs_point_at_failing_spans(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """ERROR lines carry the trace and span id of a failing span of their service."""
        for scenario in scenarios.values():
            spans = {span.span_id: span for span in scenario.spans}
            errors = [line for line in scenario.logs if line.severity == "ERROR"]
            assert errors
            for line in errors:
                span = spans[line.span_id]
                assert span.trace_id == line.trace_id
                assert span.service == line.service
                assert span.has_error

    def test_info_lines_for_normal_requests(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """Successful requests leave sampled INFO lines in both windows."""
        scenario = scenarios[FaultKind.BAD_DEPLOY]
        info = [line for line in scenario.logs if line.severity == "INFO" and line.trace_id]
        start = scenario.window.start_ns
        assert sum(1 for line in info if line.time_ns < start) > 50
        assert sum(1 for line in info if line.time_ns >= start) > 50

    def test_new_pods_log_their_start(self, scenarios: dict[FaultKind, Scenario]) -> None:
        """Each pod of the new release logs that it started."""
        scenario = scenarios[FaultKind.BAD_DEPLOY]
        started = [
            line
            for line in scenario.logs
            if line.service == "payment-svc" and line.body.startswith("Started PaymentSvc")
        ]
        assert len(started) == 3


class TestSuite:
    def test_every_kind_at_least_five_times(self) -> None:
        """Thirty specs hold every fault kind at least five times, over all four systems."""
        specs = scenario_suite()
        assert len(specs) == 30
        kinds = Counter(spec.fault_kind for spec in specs)
        assert set(kinds) == set(FaultKind)
        assert min(kinds.values()) >= 5
        assert {spec.topology for spec in specs} == set(TOPOLOGY_NAMES)
        assert len({(s.topology, s.fault_kind, s.fault_target) for s in specs}) == 30

    def test_deterministic_for_a_seed(self) -> None:
        """The same seed gives the same suite; another seed another one."""
        assert scenario_suite(seed=3) == scenario_suite(seed=3)
        assert scenario_suite(seed=3) != scenario_suite(seed=4)

    def test_every_spec_can_be_planned(self) -> None:
        """Every spec of a larger suite names a target its kind can hit."""
        for spec in scenario_suite(count=60, seed=2):
            setup = prepare(spec, now_ns=NOW_NS)
            assert setup.plan.kind is spec.fault_kind


class TestDemoSpec:
    def test_default_is_a_bad_payment_deploy(self) -> None:
        """`aisher demo` shows a bad deploy of the shop's payment-svc by default."""
        spec = demo_spec()
        assert (spec.topology, spec.fault_kind, spec.fault_target) == (
            "shop",
            FaultKind.BAD_DEPLOY,
            "payment-svc",
        )

    def test_kind_by_name(self) -> None:
        """A kind can be picked by its name, with dashes or underscores."""
        assert demo_spec("db-pool-exhaustion").fault_kind is FaultKind.DB_POOL_EXHAUSTION
        assert demo_spec(FaultKind.EXTERNAL_OUTAGE).fault_target == "stripe"

    def test_unknown_kind_is_an_input_error(self) -> None:
        """An unknown kind name is refused with the list of kinds."""
        with pytest.raises(InputError, match="timeout_cascade"):
            demo_spec("meteor_strike")


class TestSpecValidation:
    @pytest.mark.parametrize(
        "change",
        [
            {"window": timedelta(seconds=10)},
            {"window": timedelta(days=30)},
            {"traffic": 0.0},
            {"fault_target": "nonexistent-svc"},
            {"topology": "bank"},
        ],
    )
    def test_bad_specs_are_input_errors(self, change: dict[str, object]) -> None:
        """Windows out of range, no traffic, unknown targets or systems are refused clearly."""
        spec = dataclasses.replace(demo_spec(), **change)  # type: ignore[arg-type]
        with pytest.raises(InputError):
            generate_scenario(spec, now_ns=NOW_NS)

    def test_spec_defaults(self) -> None:
        """A spec defaults to a 30-minute window and a seeded failure rate."""
        spec = ScenarioSpec("rides", FaultKind.TIMEOUT_CASCADE, "eta-svc", seed=1)
        assert spec.window == timedelta(minutes=30)
        assert spec.failure_rate is None
