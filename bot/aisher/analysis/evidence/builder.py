"""Assemble the evidence bundle for one service and window from the records the store returned."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from aisher.analysis.evidence.groups import group_errors
from aisher.analysis.evidence.model import Evidence, TraceOrigin
from aisher.analysis.evidence.origins import find_origins
from aisher.analysis.evidence.ranking import detect_deploys, rank_suspects
from aisher.telemetry import (
    CallEdge,
    GroupHistory,
    LogRecord,
    ServiceStats,
    SpanRecord,
    VersionSeen,
)
from aisher.window import TimeWindow


def build_evidence(
    service: str,
    window: TimeWindow,
    spans: Sequence[SpanRecord],
    stats: Sequence[ServiceStats],
    *,
    versions: Sequence[VersionSeen] = (),
    edges: Sequence[CallEdge] = (),
    truncated: bool = False,
    max_traces: int | None = None,
    mask: Callable[[str], str] = str,
) -> Evidence:
    """Group the errors, find each failing trace's origin and rank the suspects.

    Pass the report's `Masker.mask` as `mask`: message templates are derived here, and
    secrets must be masked before normalisation can break them apart.
    """
    stats_by_service = {item.service: item for item in stats}
    instrumented = frozenset(stats_by_service) | {span.service for span in spans}
    failing_trace_ids = {span.trace_id for span in spans if span.has_error}
    failing = [span for span in spans if span.trace_id in failing_trace_ids]
    origins = find_origins(failing, instrumented)
    groups = group_errors(
        failing, frozenset((origin.trace_id, origin.span.span_id) for origin in origins), mask
    )
    deploys = detect_deploys(versions, window)
    suspects = rank_suspects(origins, len(failing_trace_ids), stats_by_service, deploys)
    own = stats_by_service.get(service)
    notes = []
    if truncated or (max_traces is not None and len(failing_trace_ids) >= max_traces):
        notes.append(
            f"only the newest {len(failing_trace_ids)} failing traces were analysed; "
            "counts per service cover the whole window"
        )
    return Evidence(
        service=service,
        window=window,
        error_count=own.errors if own else sum(span.service == service for span in failing),
        span_count=own.spans if own else 0,
        failing_traces=len(failing_trace_ids),
        groups=tuple(groups),
        origins=tuple(origins),
        suspects=tuple(suspects),
        stats=tuple(sorted(stats, key=lambda item: (-item.errors, item.service))),
        edges=tuple(edges),
        deploys=tuple(deploys),
        truncated=truncated,
        notes=tuple(notes),
    )


def representative_origin(evidence: Evidence) -> TraceOrigin | None:
    """An origin of the top suspect that fails the most common way: the span to show in full."""
    top = evidence.top_suspect
    if top is None or top.symptom:
        return None
    candidates = [origin for origin in evidence.origins if origin.blamed == top.service]
    if not candidates:
        return None
    # Prefer a span with a stack trace, then the longest path (it shows the whole propagation).
    return max(
        candidates,
        key=lambda origin: (
            any(exception.stacktrace for exception in origin.span.exceptions),
            len(origin.path),
            origin.span.start_ns,
        ),
    )


def with_context(
    evidence: Evidence,
    *,
    chain: Sequence[SpanRecord] = (),
    related_logs: Sequence[LogRecord] = (),
    history: Sequence[GroupHistory] = (),
) -> Evidence:
    """The evidence with the representative chain, related logs and group history attached."""
    return dataclasses.replace(
        evidence, chain=tuple(chain), related_logs=tuple(related_logs), history=tuple(history)
    )
