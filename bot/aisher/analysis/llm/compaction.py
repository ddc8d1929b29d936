"""Compact masked evidence into a TOON document that fits a token budget.

The document is a handful of tables (TOON's tabular form is where it saves tokens): the
incident header, ranked suspects, error groups with counts, de-duplicated stack traces that the
groups reference by id, the representative failing span's parent chain, per-service counts,
deploys, call edges, exception-group history and a sample of related logs. Stack traces are
~80% of raw error telemetry; stripping the lines that repeat type and message and sharing one
copy per distinct trace is what makes the context small without losing frames.

Over budget, rows are dropped least important first (old logs, quiet services, edges, rare
non-origin groups and their traces, …); the top suspects are never dropped.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import toon_format

from aisher.analysis.evidence.model import ErrorGroup, Evidence
from aisher.analysis.evidence.stack_frames import normalize_frames, strip_header
from aisher.analysis.llm.tokens import count_tokens
from aisher.window import iso, iso_from_ns

KEPT_SUSPECTS = 3  # never dropped
MAX_ROWS = {"suspects": 8, "groups": 60, "services": 40, "edges": 40, "logs": 20, "history": 20}
LOG_BODY_CHARS = 400
CHAIN_ATTRIBUTE_CHARS = 300
# Priorities: higher survives longer. Kept rows (top suspects, header) have no priority.
# A stack trace costs a hundred group rows, so rare groups lose their trace before their row.
P_LOG, P_EDGE, P_SERVICE, P_HISTORY, P_STACK, P_GROUP, P_CHAIN, P_SUSPECT, P_DEPLOY = (
    10, 20, 30, 40, 45, 50, 70, 80, 90,
)  # fmt: skip
P_IMPORTANT = 25  # bonus for rows about the top suspects' own failures


@dataclass(slots=True)
class _Row:
    section: str
    data: dict[str, Any]
    priority: float | None  # None: never dropped
    tokens: int = 0


@dataclass(frozen=True, slots=True)
class CompactContext:
    """The TOON text for the prompt, its size, and what the budget forced out."""

    text: str
    tokens: int
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.dropped


def compact_evidence(
    evidence: Evidence,
    *,
    budget_tokens: int | None,
    count: Callable[[str], int] = count_tokens,
) -> CompactContext:
    """The evidence as TOON, dropping the least important rows until it fits the budget."""
    header = _header(evidence)
    rows = _rows(evidence)
    text = _render(header, rows)
    tokens = count(text)
    if budget_tokens is None or tokens <= budget_tokens:
        return CompactContext(text, tokens)
    # Estimate each row's cost from its length at this document's own tokens-per-character
    # (JSON escapes newlines and quotes as TOON does); exact counts after each round correct it.
    per_char = tokens / max(1, len(text))
    for row in rows:
        row.tokens = math.ceil(
            len(json.dumps(list(row.data.values()), ensure_ascii=False)) * per_char
        )
    dropped: dict[str, int] = {}
    while tokens > budget_tokens:
        removed = _drop_least_important(rows, tokens - budget_tokens, dropped)
        if not removed:
            break  # only rows that are never dropped are left
        text = _render(header, rows)
        tokens = count(text)
    return CompactContext(text, tokens, dropped)


def _drop_least_important(rows: list[_Row], excess: int, dropped: dict[str, int]) -> int:
    """Remove rows, least important first, until about `excess` tokens are gone.

    A stack trace goes with the last group that references it, and its tokens count.
    """
    references = Counter(row.data["stack"] for row in rows if row.section == "error_groups")
    stacks = {row.data["id"]: row for row in rows if row.section == "stacktraces"}
    droppable = sorted((row for row in rows if row.priority is not None), key=_priority)
    removed = 0
    for row in droppable:
        if removed >= excess:
            break
        if row not in rows:
            continue  # already gone with its group
        rows.remove(row)
        removed += row.tokens
        dropped[row.section] = dropped.get(row.section, 0) + 1
        if row.section == "error_groups" and row.data["stack"]:
            references[row.data["stack"]] -= 1
            stack = stacks.get(row.data["stack"])
            if references[row.data["stack"]] == 0 and stack is not None and stack in rows:
                rows.remove(stack)
                removed += stack.tokens
                dropped["stacktraces"] = dropped.get("stacktraces", 0) + 1
    return removed


def _priority(row: _Row) -> float:
    return row.priority if row.priority is not None else math.inf


def _header(evidence: Evidence) -> dict[str, Any]:
    own = next((s for s in evidence.stats if s.service == evidence.service), None)
    header: dict[str, Any] = {
        "service": evidence.service,
        "window": f"{iso(evidence.window.start)}/{iso(evidence.window.end)}",
        "error_spans": evidence.error_count,
        "failing_traces": evidence.failing_traces,
    }
    if own is not None:
        header["error_rate"] = _ratio(own.error_rate)
        header["baseline_error_rate"] = _ratio(own.baseline_error_rate)
    if evidence.notes:
        header["notes"] = list(evidence.notes)
    return header


def _rows(evidence: Evidence) -> list[_Row]:
    rows: list[_Row] = []
    rows += _suspect_rows(evidence)
    stacks, stack_ids = _stack_table(evidence.groups[: MAX_ROWS["groups"]], _top_causes(evidence))
    rows += _group_rows(evidence, stack_ids)
    rows += stacks
    rows += _chain_rows(evidence)
    rows += [
        _Row("deploys", {"service": d.service, "from": d.old_version, "to": d.new_version,
                         "at": iso_from_ns(d.changed_at_ns)}, P_DEPLOY)
        for d in evidence.deploys
    ]  # fmt: skip
    rows += _service_rows(evidence)
    rows += [
        _Row("edges", {"caller": e.caller, "callee": e.callee, "calls": e.calls,
                       "errors": e.errors, "external": e.external},
             P_EDGE + _ratio(e.errors / e.calls if e.calls else 0))
        for e in sorted(evidence.edges, key=lambda e: -e.errors)[: MAX_ROWS["edges"]]
    ]  # fmt: skip
    rows += [
        _Row("history", {"group": h.group_id, "occurrences_7d": h.occurrences,
                         "first_seen": iso_from_ns(h.first_seen_ns), "days_seen": h.days_seen},
             P_HISTORY)
        for h in evidence.history[: MAX_ROWS["history"]]
    ]  # fmt: skip
    logs = evidence.related_logs[: MAX_ROWS["logs"]]
    rows += [
        _Row("logs", {"time": iso_from_ns(log.time_ns), "severity": log.severity,
                      "service": log.service, "trace": log.trace_id, "span": log.span_id,
                      "body": _clip(log.body, LOG_BODY_CHARS)},
             P_LOG + (len(logs) - index) / (len(logs) + 1))
        for index, log in enumerate(logs)
    ]  # fmt: skip
    return rows


def _suspect_rows(evidence: Evidence) -> list[_Row]:
    rows = []
    for rank, s in enumerate(evidence.suspects[: MAX_ROWS["suspects"]], start=1):
        deploy = f"{s.deploy.old_version}->{s.deploy.new_version}" if s.deploy else ""
        data = {
            "rank": rank, "service": s.service, "operation": s.operation,
            "kind": "symptom" if s.symptom else s.blame.value, "score": s.score,
            "origin_traces": s.origin_traces, "origin_share": s.origin_share,
            "error_rate": _ratio(s.error_rate), "baseline_rate": _ratio(s.baseline_error_rate),
            "exception": s.exception_type, "deploy": deploy, "via": s.via,
            "evidence": " ".join(s.evidence),
        }  # fmt: skip
        keep = rank <= KEPT_SUSPECTS and not s.symptom
        rows.append(_Row("suspects", data, None if keep else P_SUSPECT - rank))
    return rows


def _top_causes(evidence: Evidence) -> set[str]:
    return {s.service for s in evidence.suspects[:KEPT_SUSPECTS] if not s.symptom}


def _important(group: ErrorGroup, top: set[str]) -> bool:
    return group.origin_count > 0 and group.service in top


def _stack_table(groups: Iterable[ErrorGroup], top: set[str]) -> tuple[list[_Row], dict[str, str]]:
    """One row per distinct (stripped, normalised) stack trace; group key -> stack id."""
    ids: dict[str, str] = {}
    by_text: dict[str, str] = {}
    rows: list[_Row] = []
    for group in groups:
        if not group.stacktrace:
            continue
        text = normalize_frames(
            strip_header(group.stacktrace, group.exception_type, group.message_template)
        )
        stack_id = by_text.get(text)
        if stack_id is None:
            stack_id = by_text[text] = f"st{len(by_text) + 1}"
            priority = (
                P_STACK
                + (P_IMPORTANT if _important(group, top) else 0)
                + min(group.origin_count, 999) / 1000
            )
            rows.append(_Row("stacktraces", {"id": stack_id, "trace": text}, priority))
        ids[group.key] = stack_id
    return rows, ids


def _group_rows(evidence: Evidence, stack_ids: dict[str, str]) -> list[_Row]:
    top = _top_causes(evidence)
    rows = []
    for index, g in enumerate(evidence.groups[: MAX_ROWS["groups"]], start=1):
        data = {
            "id": f"g{index}", "service": g.service, "operation": g.operation,
            "exception": g.exception_type, "message": g.message_template, "count": g.count,
            "traces": g.trace_count, "origin_count": g.origin_count, "status": g.http_status,
            "first_seen": iso_from_ns(g.first_seen_ns), "last_seen": iso_from_ns(g.last_seen_ns),
            "versions": " ".join(g.versions), "stack": stack_ids.get(g.key, ""),
            "sample_trace": g.sample_trace_ids[0] if g.sample_trace_ids else "",
            "sample_span": g.sample_span_ids[0] if g.sample_span_ids else "",
        }  # fmt: skip
        bonus = P_IMPORTANT if _important(g, top) else 0
        priority = P_GROUP + bonus + math.log10(1 + g.count) / 10
        rows.append(_Row("error_groups", data, priority))
    return rows


def _chain_rows(evidence: Evidence) -> list[_Row]:
    rows = []
    for depth, span in enumerate(reversed(evidence.chain)):
        attributes = "; ".join(f"{key}={value}" for key, value in sorted(span.attributes.items()))
        error = span.exceptions[-1].type if span.exceptions else span.status_message
        data = {
            "depth": depth, "service": span.service, "operation": span.operation,
            "kind": span.kind, "status": span.status_code, "ms": round(span.duration_ms, 2),
            "trace": span.trace_id, "span": span.span_id, "version": span.version,
            "error": _clip(error, 200), "attributes": _clip(attributes, CHAIN_ATTRIBUTE_CHARS),
        }  # fmt: skip
        rows.append(_Row("parent_chain", data, P_CHAIN))
    return rows


def _service_rows(evidence: Evidence) -> list[_Row]:
    focus = {evidence.service} | {s.service for s in evidence.suspects}
    rows = []
    for s in evidence.stats[: MAX_ROWS["services"]]:
        if not s.errors and s.service not in focus:
            continue
        data = {
            "service": s.service, "spans": s.spans, "errors": s.errors,
            "baseline_spans": s.baseline_spans, "baseline_errors": s.baseline_errors,
        }  # fmt: skip
        rows.append(_Row("services", data, P_SERVICE + (10 if s.service in focus else 0)))
    return rows


_SECTION_ORDER = (
    "suspects", "error_groups", "stacktraces", "parent_chain", "deploys", "services",
    "edges", "history", "logs",
)  # fmt: skip


def _render(header: dict[str, Any], rows: list[_Row]) -> str:
    document: dict[str, Any] = {"incident": header}
    for section in _SECTION_ORDER:
        table = [row.data for row in rows if row.section == section]
        if table:
            document[section] = table
    return str(toon_format.dumps(document))


def _ratio(value: float) -> float:
    return round(value, 4)


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split()) if "\n" not in text else text
    return text if len(text) <= limit else text[: limit - 1] + "…"
