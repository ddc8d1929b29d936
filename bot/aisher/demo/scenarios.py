"""Incidents with a known answer: traffic for a baseline window and an incident window, as OTLP.

`generate_scenario(spec, now_ns=…)` is deterministic for a spec: the same seed gives the same
traces, logs and ground truth, shifted to end at `now_ns` (SigNoz drops data older than its
15-day TTL, so scenarios are always recent). `scenario_suite` spreads specs over every fault
kind, topology and target for the accuracy benchmark; `demo_spec` is what `aisher demo` shows.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass, field
from datetime import timedelta

from aisher.demo.faults import FaultKind, FaultPlan, fault_kind, fault_targets, plan_fault
from aisher.demo.systems.registry import TOPOLOGY_NAMES, topology
from aisher.demo.systems.topology import Topology
from aisher.demo.traffic.applogs import startup_log
from aisher.demo.traffic.drafts import LogDraft, SpanDraft
from aisher.demo.traffic.fleet import Fleet, Rollout
from aisher.demo.traffic.otlp_lines import log_lines, span_lines
from aisher.demo.traffic.records import log_records, span_records
from aisher.demo.traffic.request_trace import RequestTrace, RunningSystem
from aisher.errors import InputError
from aisher.telemetry import LogRecord, SpanRecord
from aisher.window import NS_PER_S, TimeWindow

MAX_WINDOW = timedelta(days=7)  # the baseline before it must still be inside SigNoz's 15 days
ROLLOUT_NS = 90 * NS_PER_S
_DEMO_TARGETS = {
    FaultKind.BAD_DEPLOY: "payment-svc",
    FaultKind.DB_POOL_EXHAUSTION: "payment-svc",
    FaultKind.FAILING_DEPENDENCY: "inventory-svc",
    FaultKind.EXTERNAL_OUTAGE: "stripe",
    FaultKind.TIMEOUT_CASCADE: "shipping-svc",
}


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    """What to break and how much traffic to send: `traffic` is entry requests per minute,
    the same in the baseline and the incident window.

    `failure_rate` is the share of affected requests that fail; when None it is drawn from
    0.2–0.6 (0.5–0.9 for an API that is down), raised if users would barely notice.
    """

    topology: str
    fault_kind: FaultKind
    fault_target: str
    seed: int
    window: timedelta = timedelta(minutes=30)
    traffic: float = 12.0
    failure_rate: float | None = None


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """Where the incident started. For an external outage the root cause is the dependency and
    `caller_service` the service whose calls to it fail; a bad deploy names both releases.
    `started_ns` is when the fault began (for a bad deploy, when the rollout started)."""

    root_cause_service: str
    fault_kind: FaultKind
    root_operation: str
    dependency: str | None = None
    caller_service: str | None = None
    version: str | None = None
    previous_version: str | None = None
    started_ns: int = 0


@dataclass(frozen=True, slots=True)
class Scenario:
    """A generated incident: OTLP/JSON lines to load, the same data as records, and the answer.

    `fault_trace_ids` are the traces the fault touched (for checking, not for the analysis);
    `distractors` describe unrelated events planted on purpose (noise, a harmless deploy).
    """

    spec: ScenarioSpec
    truth: GroundTruth
    entry_service: str
    window: TimeWindow
    baseline: TimeWindow
    otlp_lines: tuple[str, ...]
    spans: tuple[SpanRecord, ...] = field(repr=False)
    logs: tuple[LogRecord, ...] = field(repr=False)
    fault_trace_ids: frozenset[str] = field(repr=False)
    distractors: tuple[str, ...] = ()

    @property
    def jsonl(self) -> str:
        """The OTLP lines as one collector file-exporter document."""
        return "\n".join(self.otlp_lines) + "\n"


def _truth(topo: Topology, plan: FaultPlan) -> GroundTruth:
    service = topo.service(plan.service)
    if plan.kind is FaultKind.EXTERNAL_OUTAGE:
        calls = service.operation(plan.operation).calls
        route = next(call.operation for call in calls if call.target == plan.dependency)
        return GroundTruth(
            plan.dependency,
            plan.kind,
            route,
            dependency=plan.dependency,
            caller_service=plan.service,
            started_ns=plan.start_ns,
        )
    deploy = plan.kind is FaultKind.BAD_DEPLOY
    return GroundTruth(
        plan.service,
        plan.kind,
        plan.operation,
        version=plan.new_version if deploy else None,
        previous_version=service.version if deploy else None,
        started_ns=plan.start_ns,
    )


def _patch(version: str) -> str:
    parts = [*version.split("."), "0", "0"]
    return f"{parts[0]}.{parts[1]}.{int(parts[2]) + 1}"


def _plan_rollouts(
    topo: Topology, plan: FaultPlan, fleet: Fleet, incident: TimeWindow, rng: random.Random
) -> list[str]:
    """The bad release, and sometimes a harmless release elsewhere; descriptions of the latter."""
    if plan.kind is FaultKind.BAD_DEPLOY:
        old = topo.service(plan.service).version
        fleet.roll_out(Rollout(plan.service, old, plan.new_version, plan.start_ns, ROLLOUT_NS))
    if rng.random() >= 0.4:
        return []
    others = [s for s in topo.services if s.name not in (plan.service, topo.entry)]
    other = rng.choice(others)
    at = incident.start_ns + int((incident.end_ns - incident.start_ns) * rng.uniform(0.1, 0.8))
    fleet.roll_out(Rollout(other.name, other.version, _patch(other.version), at, ROLLOUT_NS))
    return [f"harmless deploy of {other.name} {other.version} → {_patch(other.version)}"]


def _startup_logs(fleet: Fleet, topo: Topology, rng: random.Random) -> list[LogDraft]:
    lines = []
    for rollout in fleet.rollouts.values():
        pods = fleet.pods(topo.service(rollout.service), rollout.new_version)
        for index, pod in enumerate(pods):
            at = rollout.at_ns + rollout.duration_ns * index // len(pods)
            lines.append(startup_log(pod, at, rng))
    return lines


@dataclass(slots=True)
class Setup:
    """A scenario before any traffic: its running system (pods, fault, noise) and windows."""

    spec: ScenarioSpec
    topology: Topology
    system: RunningSystem
    plan: FaultPlan
    window: TimeWindow
    baseline: TimeWindow
    distractors: list[str]


def prepare(spec: ScenarioSpec, *, now_ns: int) -> Setup:
    """Validate `spec`, plan its fault and releases, and lay out its windows ending at `now_ns`."""
    if not timedelta(minutes=1) <= spec.window <= MAX_WINDOW:
        raise InputError(f"scenario window {spec.window} must be between 1 minute and 7 days")
    if spec.traffic <= 0:
        raise InputError("scenario traffic must be a positive number of requests per minute")
    topo = topology(spec.topology)
    rng = random.Random(f"{spec.seed}:{spec.topology}:{spec.fault_kind.value}:{spec.fault_target}")
    end_ns = now_ns - now_ns % 1000
    length_ns = int(spec.window.total_seconds() * NS_PER_S)
    incident = TimeWindow.from_ns(end_ns - length_ns, end_ns)
    start = incident.start_ns + int(length_ns * rng.uniform(0.0, 0.15))
    plan = plan_fault(
        topo, spec.fault_kind, spec.fault_target, start_ns=start, rate=spec.failure_rate, rng=rng
    )
    if plan.kind is FaultKind.BAD_DEPLOY:  # the fault starts with the rollout
        rollout_at = incident.start_ns - int(rng.uniform(0, 180) * NS_PER_S)
        plan = dataclasses.replace(plan, start_ns=rollout_at)
    fleet = Fleet(topo, rng)
    distractors = _plan_rollouts(topo, plan, fleet, incident, rng)
    system = RunningSystem(topo, fleet, plan, rng)
    return Setup(spec, topo, system, plan, incident, incident.baseline(), distractors)


def generate_scenario(spec: ScenarioSpec, *, now_ns: int) -> Scenario:
    """The incident `spec` describes, its window ending at `now_ns`, with the baseline before."""
    setup = prepare(spec, now_ns=now_ns)
    topo, system, rng = setup.topology, setup.system, setup.system.rng
    operations = [name for name, _ in topo.mix]
    weights = [share for _, share in topo.mix]
    spans: list[SpanDraft] = []
    logs: list[LogDraft] = []
    faulty: set[str] = set()
    length_ns = setup.window.end_ns - setup.window.start_ns
    count = max(1, round(spec.traffic * length_ns / (60 * NS_PER_S)))
    for window in (setup.baseline, setup.window):
        starts = sorted(rng.randrange(window.start_ns, window.end_ns) for _ in range(count))
        for at in starts:
            trace = RequestTrace(system)
            trace.request(rng.choices(operations, weights)[0], at)
            trace.fit_into(window)
            spans.extend(trace.spans)
            logs.extend(trace.logs)
            if trace.fault_hit:
                faulty.add(trace.trace_id)
    logs.extend(_startup_logs(system.fleet, topo, rng))
    logs.sort(key=lambda line: line.time_ns)
    noise = [f"background noise: {n.kind.value} in {n.service} {n.operation}" for n in topo.noise]
    return Scenario(
        spec=spec,
        truth=_truth(topo, setup.plan),
        entry_service=topo.entry,
        window=setup.window,
        baseline=setup.baseline,
        otlp_lines=tuple(span_lines(spans) + log_lines(logs)),
        spans=span_records(spans),
        logs=log_records(logs),
        fault_trace_ids=frozenset(faulty),
        distractors=tuple(setup.distractors + noise),
    )


def scenario_suite(count: int = 30, seed: int = 1) -> list[ScenarioSpec]:
    """`count` specs cycling through the fault kinds, each kind rotating over topologies and
    targets, so every kind appears at least `count // 5` times. Deterministic for a seed."""
    rng = random.Random(f"suite:{seed}")
    kinds = list(FaultKind)
    queues: dict[FaultKind, list[tuple[str, str]]] = {}
    for offset, kind in enumerate(kinds):
        per_topology = []
        for name in TOPOLOGY_NAMES:
            targets = fault_targets(topology(name), kind)
            rng.shuffle(targets)
            per_topology.append([(name, target) for target in targets])
        shift = offset % len(per_topology)
        per_topology = per_topology[shift:] + per_topology[:shift]
        depth = max(len(targets) for targets in per_topology)
        queues[kind] = [group[i] for i in range(depth) for group in per_topology if i < len(group)]
    specs = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        queue = queues[kind]
        name, target = queue[(index // len(kinds)) % len(queue)]
        specs.append(ScenarioSpec(name, kind, target, seed=rng.randrange(1, 2**31)))
    return specs


def demo_spec(kind: FaultKind | str | None = None, *, seed: int = 7) -> ScenarioSpec:
    """The incident `aisher demo` seeds: by default a bad deploy of the shop's payment-svc.

    `kind` picks another fault kind (by enum or name, `db_pool_exhaustion`, `external-outage`…),
    always in the shop, on the service where that kind tells the clearest story.
    """
    chosen = FaultKind.BAD_DEPLOY if kind is None else fault_kind(str(kind))
    rate = 0.75 if chosen is FaultKind.EXTERNAL_OUTAGE else 0.45
    return ScenarioSpec("shop", chosen, _DEMO_TARGETS[chosen], seed=seed, failure_rate=rate)
