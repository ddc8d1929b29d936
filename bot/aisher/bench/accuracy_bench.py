"""Root cause named first (AC@1) and in the top three (AC@3) over generated incidents.

Each incident of the suite is generated, imported through the OTLP loader into its own SigNoz
databases, and analysed through the real queries and ranking — the same path as `aisher why`.
Targets: AC@1 ≥ 0.9, AC@3 = 1.0 (published trace-based methods report 0.4–0.93).
"""

from __future__ import annotations

import time
from collections import defaultdict

from aisher.analysis.evidence.collector import EvidenceCollector
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.request import AnalysisRequest
from aisher.bench.results import BenchResult
from aisher.bench.stores import drop_dataset, load_dataset
from aisher.demo import GroundTruth, generate_scenario, scenario_suite
from aisher.signoz.executor import QueryExecutor

AC1_TARGET = 0.9
AC3_TARGET = 1.0


def culprit(truth: GroundTruth) -> str:
    """The component a correct answer names: the external dependency, else the service."""
    return truth.dependency or truth.root_cause_service


def rank_of(evidence: Evidence, truth: GroundTruth) -> int | None:
    """1-based rank of the true culprit among the suspected causes (symptoms excluded)."""
    causes = [suspect.service for suspect in evidence.suspects if not suspect.symptom]
    target = culprit(truth)
    return causes.index(target) + 1 if target in causes else None


async def bench_accuracy(executor: QueryExecutor, *, incidents: int, seed: int) -> BenchResult:
    result = BenchResult("root_cause_accuracy")
    specs = scenario_suite(count=incidents, seed=seed)
    ranks: list[int | None] = []
    by_kind: dict[str, list[int | None]] = defaultdict(list)
    misses: list[dict[str, object]] = []
    started = time.perf_counter()
    for spec in specs:
        scenario = generate_scenario(spec, now_ns=time.time_ns())
        dataset = await load_dataset(executor, scenario.otlp_lines, prefix="acc")
        try:
            collector = EvidenceCollector(dataset.repository, max_traces=500, max_logs=20)
            request = AnalysisRequest(service=scenario.entry_service, window=scenario.window)
            evidence = await collector.collect(request)
        finally:
            await drop_dataset(executor, dataset)
        rank = rank_of(evidence, scenario.truth)
        ranks.append(rank)
        by_kind[spec.fault_kind.value].append(rank)
        if rank != 1:
            misses.append(
                {
                    "topology": spec.topology,
                    "fault": spec.fault_kind.value,
                    "truth": culprit(scenario.truth),
                    "rank": rank,
                    "named": [s.service for s in evidence.suspects[:3]],
                    "seed": spec.seed,
                }
            )
    total = len(ranks)
    result.add("AC@1", sum(rank == 1 for rank in ranks) / total, "ratio", target=AC1_TARGET,
               higher_is_better=True)  # fmt: skip
    result.add("AC@3", sum(rank is not None and rank <= 3 for rank in ranks) / total, "ratio",
               target=AC3_TARGET, higher_is_better=True)  # fmt: skip
    result.details["incidents"] = total
    result.details["seconds"] = round(time.perf_counter() - started, 1)
    result.details["ac1_by_fault_kind"] = {
        kind: round(sum(rank == 1 for rank in found) / len(found), 3)
        for kind, found in sorted(by_kind.items())
    }
    result.details["incidents_by_fault_kind"] = {k: len(v) for k, v in sorted(by_kind.items())}
    result.details["misses"] = misses
    return result
