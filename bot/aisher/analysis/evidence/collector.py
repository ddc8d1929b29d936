"""Gather the evidence for a service and window, or for one trace, from SigNoz: the analysis's
I/O edge, and the one place that masks.

Nothing unmasked leaves this module: `collect` and `collect_trace` mask every telemetry-derived
string with one masker per request (so placeholders are stable across the whole report, and each
distinct text is masked once) before they return, and the CPU-bound steps (grouping, ranking,
masking) run in a worker thread so the event loop (Slack acks, webhooks) never waits behind them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import difflib
from functools import partial

from aisher.analysis.evidence.baseline import Baseline, WindowComparison
from aisher.analysis.evidence.builder import build_evidence, representative_origin, with_context
from aisher.analysis.evidence.distinct_masker import DistinctMasker
from aisher.analysis.evidence.latency_story import slowed_operations, with_latency
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.trace import TRACE_ID, TraceEvidence, trace_evidence
from aisher.analysis.masking.masker import Masker
from aisher.analysis.masking.redaction import redact_evidence
from aisher.analysis.request import AnalysisRequest
from aisher.errors import InputError, UnknownServiceError, UnknownTraceError, WindowError
from aisher.signoz.queries import ERROR_SEVERITY
from aisher.signoz.repository import SignozRepository
from aisher.telemetry import (
    CallEdge,
    GroupHistory,
    LogRecord,
    SpanRecord,
    index_spans,
    parent_chain,
)
from aisher.window import TimeWindow, iso

MAX_SUGGESTIONS = 3
MAX_ERROR_LOGS = 2000
MAX_SLOW_TRACES = 200
HISTORY_GROUPS = 10
LOG_TRACES = 5


class EvidenceCollector:
    """Runs the repository's queries for a request and assembles the evidence."""

    def __init__(
        self,
        repository: SignozRepository,
        *,
        max_traces: int,
        max_logs: int,
        with_llm_context: bool = True,
    ) -> None:
        """`with_llm_context=False` skips the call-edge and exception-history queries: only the
        LLM's context shows their results, the report itself has no use for them."""
        self._repository = repository
        self._max_traces = max_traces
        self._max_logs = max_logs
        self._with_llm_context = with_llm_context

    async def collect(self, request: AnalysisRequest) -> Evidence:
        """The masked evidence for a request."""
        masker = DistinctMasker()
        service, window = request.service.strip(), request.window
        baseline = Baseline.for_window(window)
        segments = baseline.segments
        stats = await self._repository.service_stats(window, segments)
        own = next((item for item in stats if item.service == service), None)
        if own is None or own.spans == 0:
            await self._refuse_unknown(service, window, seen_before=own is not None)
        repository = self._repository
        failing, versions, edges, operations, signatures, instances = await asyncio.gather(
            repository.failing_traces(service, window),
            repository.version_history(window, since=baseline.before.start),
            self._call_edges(window),
            repository.operation_stats(window, segments),
            repository.error_signatures(window, segments),
            repository.instance_stats(window),
        )
        error_logs = await repository.related_logs(
            failing.trace_ids, window, MAX_ERROR_LOGS, min_severity=ERROR_SEVERITY
        )
        comparison = WindowComparison(baseline, operations, signatures, instances)
        # Message templates are derived from masked text: secrets must be masked before
        # normalisation can break them apart.
        evidence = await asyncio.to_thread(
            partial(
                build_evidence,
                service,
                window,
                failing.spans,
                stats,
                versions=versions,
                edges=edges,
                truncated=failing.truncated,
                max_traces=self._max_traces,
                mask=masker.mask,
                comparison=comparison,
                error_logs=error_logs,
            )
        )
        slowed = slowed_operations(evidence)
        if slowed:
            slow = await repository.slow_traces(
                service, slowed, window, min(self._max_traces, MAX_SLOW_TRACES)
            )
            evidence = await asyncio.to_thread(
                with_latency, evidence, slow.spans, stats, comparison
            )
        evidence = await self._attach_context(evidence)
        evidence = await asyncio.to_thread(redact_evidence, evidence, masker)
        return mask_comparisons(evidence, masker)

    async def collect_trace(
        self, trace_id: str, *, hint: TimeWindow | None = None
    ) -> TraceEvidence:
        """One trace's masked spans and logs; `UnknownTraceError` when the store has none.

        `hint` is where to look when the store keeps no per-trace summary table.
        """
        trace_id = trace_id.strip().lower()
        if not TRACE_ID.fullmatch(trace_id):
            raise InputError(
                f"{trace_id[:64]!r} is not a trace id: expected 32 hexadecimal characters"
            )
        spans = await self._repository.trace(trace_id, hint)
        if not spans:
            raise UnknownTraceError(trace_id)
        start_ns = min(span.start_ns for span in spans)
        end_ns = max(span.start_ns + span.duration_ns for span in spans)
        logs = await self._repository.related_logs(
            [trace_id], TimeWindow.from_ns(start_ns, end_ns + 1), self._max_logs
        )
        return await asyncio.to_thread(trace_evidence, trace_id, spans, logs, DistinctMasker())

    async def _call_edges(self, window: TimeWindow) -> list[CallEdge]:
        return await self._repository.call_edges(window) if self._with_llm_context else []

    async def _history(self, group_ids: list[str], until_ns: int) -> list[GroupHistory]:
        if not self._with_llm_context:
            return []
        return await self._repository.group_history(group_ids, until_ns)

    async def _refuse_unknown(self, service: str, window: TimeWindow, *, seen_before: bool) -> None:
        known = await self._repository.known_services(window.extended_back(2))
        if not known:
            raise WindowError(
                f"no spans at all between {iso(window.start)} and {iso(window.end)}: "
                "is telemetry reaching SigNoz, or is the window too early?"
            )
        if seen_before:
            raise WindowError(
                f"{service} sent no spans between {iso(window.start)} and {iso(window.end)}, "
                "only in the window before; widen the window"
            )
        lowered = {name.lower(): name for name in known}
        close = difflib.get_close_matches(service.lower(), list(lowered), n=MAX_SUGGESTIONS)
        substring = [name for key, name in lowered.items() if service.lower() in key]
        suggestions = list(dict.fromkeys([*(lowered[c] for c in close), *substring]))
        raise UnknownServiceError(service, suggestions[:MAX_SUGGESTIONS], len(known))

    async def _attach_context(self, evidence: Evidence) -> Evidence:
        origin = representative_origin(evidence)
        trace_ids = [origin.trace_id] if origin else []
        top = evidence.top_suspect
        if top is not None:
            trace_ids += [ref.split(":", 1)[1] for ref in top.evidence if ref.startswith("trace:")]
        trace_ids = list(dict.fromkeys(trace_ids))[:LOG_TRACES]
        group_ids = [
            gid for group in evidence.groups[:HISTORY_GROUPS] for gid in group.signoz_group_ids
        ]

        async def chain() -> list[SpanRecord]:
            if origin is None:
                return []
            spans = await self._repository.trace(origin.trace_id, hint=evidence.window)
            return parent_chain(index_spans(spans), origin.span.span_id)

        chain_spans, logs, history = await asyncio.gather(
            chain(),
            self._repository.related_logs(trace_ids, evidence.window, self._max_logs),
            self._history(list(dict.fromkeys(group_ids)), evidence.window.end_ns),
        )
        focus = origin.span.span_id if origin else ""
        return with_context(
            evidence,
            chain=chain_spans,
            related_logs=prioritise_logs(logs, focus),
            history=history,
        )


_SEVERITY_RANK = {"FATAL": 0, "ERROR": 1, "WARN": 2, "WARNING": 2}


def prioritise_logs(logs: list[LogRecord], focus_span_id: str) -> list[LogRecord]:
    """Logs of the failing span first, then errors before warnings before the rest; newest first
    within each rank."""
    return sorted(
        logs,
        key=lambda log: (
            log.span_id != focus_span_id if focus_span_id else True,
            _SEVERITY_RANK.get(log.severity.upper(), 3),
            -log.time_ns,
        ),
    )


def mask_comparisons(evidence: Evidence, masker: Masker) -> Evidence:
    """Mask what `redact_evidence` does not cover: the baseline comparisons and the fields they
    add to suspects and origins (instances, counterparts, the other side of a call, concurrent
    causes), with the same masker so a name gets the same placeholder everywhere."""
    return dataclasses.replace(
        evidence,
        suspects=tuple(
            dataclasses.replace(
                suspect,
                instance=masker.mask(suspect.instance),
                beside=masker.mask(suspect.beside),
            )
            for suspect in evidence.suspects
        ),
        latency=tuple(
            dataclasses.replace(
                row, service=masker.mask(row.service), operation=masker.mask(row.operation)
            )
            for row in evidence.latency
        ),
        concurrent=tuple(masker.mask(name) for name in evidence.concurrent),
        origins=tuple(
            dataclasses.replace(origin, context=masker.mask(origin.context))
            for origin in evidence.origins
        ),
    )
