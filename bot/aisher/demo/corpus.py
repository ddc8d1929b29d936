"""A fixed pile of realistic error spans for the token-count benchmark.

`error_span_corpus` takes the failing spans (status Error, with an exception event) of several
incidents across the four systems, and draws `count` of them with a Zipf-like skew over
(service, operation, exception type): a few failure shapes dominate, many are rare, as in a
real error window. Spans keep their trace and parent ids, so cascades stay visible.

Only the incident window is generated, and mostly requests on the failing path, so a thousand
error spans take a fraction of a second rather than whole scenarios.
"""

from __future__ import annotations

import random
from collections import defaultdict

from aisher.demo.faults import FaultKind, paths_to
from aisher.demo.scenarios import ScenarioSpec, Setup, prepare
from aisher.demo.traffic.drafts import STATUS_ERROR, SpanDraft
from aisher.demo.traffic.records import span_records
from aisher.demo.traffic.request_trace import RequestTrace
from aisher.telemetry import SpanRecord

ZIPF_EXPONENT = 1.1
BACKGROUND_SHARE = 0.3  # requests drawn from the normal mix, which is where the noise is
# Incidents whose failing traces feed the corpus: every runtime, every kind of failure.
_SOURCES = (
    ("shop", FaultKind.DB_POOL_EXHAUSTION, "payment-svc"),
    ("ledger", FaultKind.FAILING_DEPENDENCY, "ledger-svc"),
    ("rides", FaultKind.BAD_DEPLOY, "pricing-svc"),
    ("media", FaultKind.EXTERNAL_OUTAGE, "widevine"),
    ("shop", FaultKind.FAILING_DEPENDENCY, "inventory-svc"),
    ("ledger", FaultKind.DB_POOL_EXHAUSTION, "statement-svc"),
    ("media", FaultKind.TIMEOUT_CASCADE, "entitlement-svc"),
)
POOL_FACTOR = 1.5  # spans generated per span drawn, so the Zipf draw has a tail to pick from
_CORPUS_END_NS = 1_767_225_600 * 1_000_000_000  # 2026-01-01T00:00:00Z: fixed, so seeds repeat


def _failing_spans(setup: Setup, want: int) -> list[SpanDraft]:
    """Error spans with exceptions from requests after the fault began, until `want` are found."""
    system, plan, rng = setup.system, setup.plan, setup.system.rng
    focus = paths_to(setup.topology, plan.service, plan.operation)
    start = max(
        plan.start_ns, setup.window.start_ns + (setup.window.end_ns - setup.window.start_ns) // 5
    )
    found: list[SpanDraft] = []
    for _ in range(want * 2):
        mix = setup.topology.mix if rng.random() < BACKGROUND_SHARE or not focus else focus
        trace = RequestTrace(system)
        trace.request(
            rng.choices([m[0] for m in mix], [m[1] for m in mix])[0],
            rng.randrange(start, setup.window.end_ns),
        )
        trace.fit_into(setup.window)
        found.extend(s for s in trace.spans if s.status == STATUS_ERROR and s.events)
        if len(found) >= want:
            break
    return found


def _shares(sizes: list[int], count: int) -> list[int]:
    """How many spans each shape gives: Zipf weights by rank, capped by what exists."""
    weights = [1 / (rank + 1) ** ZIPF_EXPONENT for rank in range(len(sizes))]
    taken = [0] * len(sizes)
    left = min(count, sum(sizes))
    while left > 0:
        open_ranks = [rank for rank in range(len(sizes)) if taken[rank] < sizes[rank]]
        total = sum(weights[rank] for rank in open_ranks)
        for rank in open_ranks:
            give = min(max(1, round(left * weights[rank] / total)), sizes[rank] - taken[rank], left)
            taken[rank] += give
            left -= give
            if left == 0:
                break
    return taken


def error_span_corpus(count: int = 1000, seed: int = 7) -> list[SpanRecord]:
    """`count` error spans with exceptions and long stack traces, Zipf-mixed, deterministic.

    About a dozen services, twenty-five operations and fifteen-odd exception types from Java,
    Python, Go and Node.js services, ordered by start time.
    """
    rng = random.Random(f"corpus:{seed}")
    shapes: dict[tuple[str, str, str], list[SpanDraft]] = defaultdict(list)
    for index, (system, kind, target) in enumerate(_SOURCES):
        spec = ScenarioSpec(system, kind, target, seed=seed * 100 + index, failure_rate=0.7)
        setup = prepare(spec, now_ns=_CORPUS_END_NS)
        for span in _failing_spans(setup, int(count * POOL_FACTOR) // len(_SOURCES) + 1):
            shapes[(span.pod.service.name, span.name, span.events[0].thrown.type)].append(span)
    # Commoner shapes take the top ranks (a seeded jitter varies the order between seeds), so
    # the Zipf shares mostly fit what was generated.
    jitter = {key: rng.uniform(0.6, 1.4) for key in sorted(shapes)}
    order = sorted(shapes, key=lambda key: (-len(shapes[key]) * jitter[key], key))
    chosen: list[SpanDraft] = []
    for key, amount in zip(order, _shares([len(shapes[key]) for key in order], count), strict=True):
        chosen.extend(rng.sample(shapes[key], amount))
    chosen.sort(key=lambda span: (span.start_ns, span.span_id))
    return list(span_records(chosen))
