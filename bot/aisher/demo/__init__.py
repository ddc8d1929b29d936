"""Realistic incidents with a known root cause, for `aisher demo`, the tests and the benchmarks.

    generate_scenario(spec, now_ns=…)  one incident: OTLP/JSON lines + records + ground truth
    scenario_suite(count, seed)        specs over every fault kind, system and target
    demo_spec(kind)                    the incident `aisher demo` seeds
    error_span_corpus(count, seed)     error spans with long stack traces, for token counting

Everything is deterministic for a seed; timestamps are relative to the `now_ns` given.
"""

from aisher.demo.corpus import error_span_corpus
from aisher.demo.faults import FaultKind, fault_kind, fault_targets
from aisher.demo.scenarios import (
    GroundTruth,
    Scenario,
    ScenarioSpec,
    demo_spec,
    generate_scenario,
    scenario_suite,
)
from aisher.demo.topologies import TOPOLOGY_NAMES, topology

__all__ = [
    "TOPOLOGY_NAMES",
    "FaultKind",
    "GroundTruth",
    "Scenario",
    "ScenarioSpec",
    "demo_spec",
    "error_span_corpus",
    "fault_kind",
    "fault_targets",
    "generate_scenario",
    "scenario_suite",
    "topology",
]
