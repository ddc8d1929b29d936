"""Realistic incidents with a known root cause, for `aisher demo`, the tests and the benchmarks.

The rest of Aisher never needs what is inside: this front door is all `aisher demo`, the
benchmarks and the tests use.

    generate_scenario(spec, now_ns=…)  one incident: OTLP/JSON lines + records + ground truth
    scenario_suite(count, seed)        specs over every fault kind, system and target
    demo_spec(kind)                    the incident `aisher demo` seeds
    error_span_corpus(count, seed)     error spans with long stack traces, for token counting

Everything is deterministic for a seed; timestamps are relative to the `now_ns` given.

Inside, from the top down:

    scenarios.py   specs, windows and ground truth; drives the traffic of one incident
    corpus.py      the error-span corpus of the token benchmark
    faults.py      the five fault kinds, what each can hit, the plan for one incident
    volatile.py    ids, addresses and durations that make each message unique
    systems/       the four systems as plain data (`Topology`), and the registry by name
    traffic/       one request through a running system: spans, logs, and their OTLP/records
    stacks/        exceptions and stack traces as Java, Python, Go and Node.js print them
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
from aisher.demo.systems.registry import TOPOLOGY_NAMES, topology

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
