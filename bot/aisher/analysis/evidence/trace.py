"""One trace as evidence: its failing span, the way up to the root, and its logs, masked.

Used by `/aisher trace TRACE_ID`: no ranking, just where this one trace failed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from aisher.analysis.evidence.origins import TraceTree, origin_spans
from aisher.analysis.masking.masker import Masker
from aisher.analysis.masking.redaction import redact_log, redact_span
from aisher.telemetry import LogRecord, SpanRecord, parent_chain

TRACE_ID = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class TraceEvidence:
    """One trace, masked: the failing span first in `chain`, then its ancestors to the root."""

    trace_id: str
    span_count: int
    error_count: int
    services: tuple[str, ...]
    chain: tuple[SpanRecord, ...]  # empty when no span of the trace failed
    related_logs: tuple[LogRecord, ...]
    root: SpanRecord | None  # the trace's root span (or its earliest one), masked


def trace_evidence(
    trace_id: str, spans: Sequence[SpanRecord], logs: Sequence[LogRecord], masker: Masker
) -> TraceEvidence:
    """Find where the trace failed (its first origin: an error span with no failing descendant)
    and mask everything shown."""
    tree = TraceTree(spans)
    origins = origin_spans(tree)
    failing = origins[0] if origins else None
    chain = parent_chain(tree.by_id, failing.span_id) if failing else []
    roots = [span for span in tree.by_id.values() if span.parent_span_id not in tree.by_id]
    root = min(roots or tree.by_id.values(), key=lambda span: span.start_ns, default=None)
    focus = failing.span_id if failing else ""
    ordered = sorted(logs, key=lambda log: (log.span_id != focus, log.time_ns))
    return TraceEvidence(
        trace_id=trace_id,
        span_count=len(tree.by_id),
        error_count=sum(span.has_error for span in tree.by_id.values()),
        services=tuple(sorted({masker.mask(span.service) for span in tree.by_id.values()})),
        chain=tuple(redact_span(span, masker) for span in chain),
        related_logs=tuple(redact_log(log, masker) for log in ordered),
        root=redact_span(root, masker, stacktraces=False) if root else None,
    )
