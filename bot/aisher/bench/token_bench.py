"""Prompt tokens for 1,000 error spans, and the time to compact 10,000 (offline o200k counts).

Baselines are the same spans as compact JSON (the predecessor's approach, minus pretty
printing) and as a plain one-table TOON with attributes flattened into columns. The Aisher
context must keep every error group with its count and exception type, and one full stack
trace per group; the benchmark checks that it does rather than trusting it.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import toon_format

from aisher.analysis.evidence.builder import build_evidence
from aisher.analysis.evidence.distinct_masker import DistinctMasker
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.stack_frames import normalize_frames
from aisher.analysis.llm.compaction import compact_evidence
from aisher.analysis.llm.prompts import PromptLibrary, prompt_variables
from aisher.analysis.llm.tokens import count_tokens
from aisher.analysis.masking.redaction import redact_evidence
from aisher.bench.results import BenchResult
from aisher.config import PromptSettings
from aisher.demo import error_span_corpus
from aisher.telemetry import ServiceStats, SpanRecord
from aisher.window import TimeWindow, iso_from_ns

RATIO_TARGET = 0.20
COMPACTION_TARGET_MS = 100.0
DEFAULT_BUDGET = 6000


def span_json(span: SpanRecord) -> dict[str, Any]:
    """One error span with every field a raw dump would carry."""
    exception = span.exceptions[-1] if span.exceptions else None
    return {
        "trace_id": span.trace_id,
        "span_id": span.span_id,
        "parent_span_id": span.parent_span_id,
        "service": span.service,
        "operation": span.operation,
        "kind": span.kind,
        "start_time": iso_from_ns(span.start_ns),
        "duration_ms": round(span.duration_ms, 3),
        "status": "ERROR",
        "status_message": span.status_message,
        "exception_type": exception.type if exception else "",
        "exception_message": exception.message if exception else "",
        "stacktrace": exception.stacktrace if exception else "",
        "attributes": dict(span.attributes),
        "resource": dict(span.resource),
    }


def compact_json(spans: Sequence[SpanRecord]) -> str:
    return json.dumps([span_json(span) for span in spans], separators=(",", ":"))


def plain_toon(spans: Sequence[SpanRecord]) -> str:
    """One TOON table of the spans, attributes flattened into a union of columns."""
    rows = [span_json(span) for span in spans]
    keys = sorted({f"attr.{k}" for r in rows for k in r["attributes"]}
                  | {f"res.{k}" for r in rows for k in r["resource"]})  # fmt: skip
    table = []
    for row in rows:
        flat = {k: v for k, v in row.items() if k not in ("attributes", "resource")}
        for key in keys:
            kind, name = key.split(".", 1)
            source = row["attributes"] if kind == "attr" else row["resource"]
            flat[key] = source.get(name)
        table.append(flat)
    return str(toon_format.dumps({"spans": table}))


def corpus_evidence(spans: Sequence[SpanRecord]) -> Evidence:
    """Masked evidence for a corpus, the way the engine builds it for one request."""
    per_service = Counter(span.service for span in spans)
    stats = [
        ServiceStats(name, count * 20, count, count * 20, 1) for name, count in per_service.items()
    ]
    window = TimeWindow.from_ns(min(s.start_ns for s in spans), max(s.start_ns for s in spans) + 1)
    masker = DistinctMasker()
    evidence = build_evidence(
        per_service.most_common(1)[0][0], window, spans, stats, mask=masker.mask
    )
    return redact_evidence(evidence, masker)


def check_fidelity(evidence: Evidence, context: str) -> dict[str, bool]:
    """Every group (count and type) and one full stack trace per group made it into the text."""
    groups = evidence.groups
    return {
        "every_group_kept": context.count("\n  g") >= len(groups),
        "counts_and_types_kept": all(
            f",{group.count}," in context and group.exception_type.split(".")[-1] in context
            for group in groups
        ),
        "one_stack_trace_per_group": all(
            not group.stacktrace or _frames_present(group.stacktrace, context) for group in groups
        ),
    }


def _frames_present(stacktrace: str, context: str) -> bool:
    # Reflection accessor numbers differ per JVM and are normalised away on purpose.
    lines = normalize_frames(stacktrace).splitlines()
    frames = [line.strip() for line in lines if line.strip().startswith(("at ", "File "))]
    return all(frame.replace('"', '\\"')[:60] in context for frame in frames)


def bench_tokens(*, spans: int, large: int, repeats: int) -> BenchResult:
    result = BenchResult("prompt_tokens_and_compaction")
    corpus = error_span_corpus(spans, seed=7)
    evidence = corpus_evidence(corpus)
    baseline_json = count_tokens(compact_json(corpus))
    baseline_toon = count_tokens(plain_toon(corpus))
    full = compact_evidence(evidence, budget_tokens=None)
    prompt = PromptLibrary(PromptSettings()).load("rca")
    rendered = prompt.render(prompt_variables(evidence, full.text))
    prompt_tokens = count_tokens(rendered.system) + count_tokens(rendered.user)
    result.details.update(
        spans=len(corpus), error_groups=len(evidence.groups),
        compact_json_tokens=baseline_json, plain_toon_tokens=baseline_toon,
        context_tokens=full.tokens, prompt_tokens=prompt_tokens,
        fidelity=check_fidelity(evidence, full.text),
    )  # fmt: skip
    result.add(f"prompt tokens ÷ compact JSON, {len(corpus):,} error spans (o200k)",
               prompt_tokens / baseline_json, "ratio", target=RATIO_TARGET)  # fmt: skip
    result.add("prompt tokens ÷ plain one-table TOON", prompt_tokens / baseline_toon, "ratio")
    result.add("plain one-table TOON ÷ compact JSON", baseline_toon / baseline_json, "ratio")
    budgeted = compact_evidence(evidence, budget_tokens=DEFAULT_BUDGET)
    result.details["default_budget"] = {"budget": DEFAULT_BUDGET, "tokens": budgeted.tokens,
                                        "dropped": budgeted.dropped}  # fmt: skip

    big = corpus_evidence(error_span_corpus(large, seed=11))
    compaction, building = [], []
    big_corpus = error_span_corpus(large, seed=11)
    for _ in range(repeats):
        started = time.perf_counter()
        compact_evidence(big, budget_tokens=DEFAULT_BUDGET)
        compaction.append(time.perf_counter() - started)
        started = time.perf_counter()
        corpus_evidence(big_corpus)
        building.append(time.perf_counter() - started)
    result.add(
        f"compaction of {large:,} error spans to TOON, {DEFAULT_BUDGET}-token budget (median)",
        statistics.median(compaction) * 1000, "ms", target=COMPACTION_TARGET_MS,
    )  # fmt: skip
    result.add(f"evidence building for {large:,} error spans (group, origins, rank, mask; median)",
               statistics.median(building) * 1000, "ms")  # fmt: skip
    result.details["large_corpus_groups"] = len(big.groups)
    return result
