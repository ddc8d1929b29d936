"""Incidents from the fault classes, and suites of them written as folders.

Each incident is a folder holding `telemetry.jsonl` (the baseline and the window, at fixed
timestamps) and `incident.yaml` (the question and the labelled answer). Everything follows from
the seed: the same seed writes the same bytes.

Traffic is random, so a draw can fail to show its class (a fault that hit two calls, a chronic
group that happens to be rarer than the new one). Such a draw is thrown away and the incident
drawn again, so that every seed gives incidents whose labels can be trusted (`truth.problems`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from tests.incidents.generator import kinds_errors, kinds_latency
from tests.incidents.generator.model import NS_PER_S, Incident, IncidentCard, Telemetry
from tests.incidents.generator.noise import ordinary_noise
from tests.incidents.generator.otlp import telemetry_lines
from tests.incidents.generator.plan import Frame, Plan, window_text
from tests.incidents.generator.simulator import Simulator
from tests.incidents.generator.topology import ENTRY_POINTS
from tests.incidents.reading import parse_incident
from tests.incidents.truth import problems

DEFAULT_SEED = 20_250_601
DEFAULT_COUNT_PER_KIND = 4
FIRST_UNTIL = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
TRACES = (140, 200)  # traces per incident, baseline and window together
MAX_DRAWS = 25


@dataclass(frozen=True, slots=True)
class FaultClass:
    kind: str
    build: Callable[[Frame, int], Plan]
    windows: tuple[int, ...]  # window lengths in minutes to draw from


FAULT_CLASSES: tuple[FaultClass, ...] = (
    FaultClass("latency-timeout", kinds_latency.latency_timeout, (15, 30, 60)),
    FaultClass("latency-regression", kinds_latency.latency_regression, (20, 30, 60)),
    FaultClass("chronic-errors", kinds_errors.chronic_errors, (30, 60)),
    FaultClass("client-exhaustion", kinds_latency.client_exhaustion, (15, 30)),
    FaultClass("short-window", kinds_errors.short_window, (2, 3, 4, 5)),
    FaultClass("named-in-message", kinds_errors.named_in_message, (15, 30)),
    FaultClass("two-failures", kinds_errors.two_failures, (30, 45)),
    FaultClass("bad-instance", kinds_errors.bad_instance, (15, 30, 60)),
    FaultClass("logs-only", kinds_errors.logs_only, (15, 30)),
    FaultClass("bad-deploy", kinds_errors.bad_deploy, (30, 60)),
    FaultClass("third-party", kinds_errors.third_party, (15, 30)),
    FaultClass("cascading-timeouts", kinds_latency.cascading_timeouts, (15, 30)),
)
KINDS = tuple(fault_class.kind for fault_class in FAULT_CLASSES)


def generate_suite(
    *, seed: int = DEFAULT_SEED, count_per_kind: int = DEFAULT_COUNT_PER_KIND
) -> Iterator[Incident]:
    """Every incident of a suite, kind after kind; each variant of a kind differs in where."""
    number = 0
    for fault_class in FAULT_CLASSES:
        for variant in range(count_per_kind):
            yield generate_incident(fault_class, variant, seed=seed, number=number)
            number += 1


def generate_incident(fault_class: FaultClass, variant: int, *, seed: int, number: int) -> Incident:
    """The first draw of this incident that keeps its class's promise."""
    found: list[str] = []
    for draw in range(MAX_DRAWS):
        salt = f"{seed}:{fault_class.kind}:{variant}" + (f":{draw}" if draw else "")
        incident = _draw_incident(fault_class, variant, random.Random(salt), number)
        lines = telemetry_lines(incident.telemetry)
        found = problems(parse_incident(incident.card.as_yaml_mapping(), lines))
        if not found:
            return incident
    raise RuntimeError(
        f"no draw of {fault_class.kind} variant {variant} (seed {seed}) keeps its promise "
        f"in {MAX_DRAWS} tries; the last: {'; '.join(found)}"
    )


def _draw_incident(
    fault_class: FaultClass, variant: int, rng: random.Random, number: int
) -> Incident:
    until = FIRST_UNTIL + timedelta(hours=7 * number, minutes=rng.randrange(60))
    until_ns = int(until.timestamp()) * NS_PER_S
    frame = Frame(rng, until_ns, rng.choice(fault_class.windows))
    plan = fault_class.build(frame, variant)
    simulator = Simulator(rng, ordinary_noise(frame.baseline_start_ns, until_ns) + plan.effects)
    traces = rng.randrange(*TRACES)
    starts = sorted(
        rng.uniform(frame.baseline_start_ns, until_ns - 5 * NS_PER_S) for _ in range(traces)
    )
    entries, weights = zip(*ENTRY_POINTS, strict=True)
    for start in starts:
        simulator.run_trace(rng.choices(entries, weights)[0], int(start))
    card = IncidentCard(
        name=f"{fault_class.kind}-{variant + 1:02d}-{plan.label}",
        kind=fault_class.kind,
        service=plan.service,
        until=until.isoformat().replace("+00:00", "Z"),
        window=window_text(frame.window_minutes),
        root_cause=plan.root_cause,
        notes=plan.notes,
    )
    telemetry = Telemetry(tuple(simulator.spans), tuple(simulator.logs.records))
    return Incident(card, telemetry)


def write_incident(folder: Path, incident: Incident) -> Path:
    """Write one incident's folder under `folder`; returns it."""
    target = folder / incident.card.name
    target.mkdir(parents=True, exist_ok=True)
    with (target / "telemetry.jsonl").open("w", encoding="utf-8") as handle:
        for line in telemetry_lines(incident.telemetry):
            handle.write(line + "\n")
    (target / "incident.yaml").write_text(
        yaml.safe_dump(incident.card.as_yaml_mapping(), sort_keys=False, width=100),
        encoding="utf-8",
    )
    return target


def write_suite(
    folder: Path, *, seed: int = DEFAULT_SEED, count_per_kind: int = DEFAULT_COUNT_PER_KIND
) -> list[Path]:
    """Write a suite of `count_per_kind` incidents of every fault class into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_incident(folder, incident)
        for incident in generate_suite(seed=seed, count_per_kind=count_per_kind)
    ]
