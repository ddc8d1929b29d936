"""Gather the evidence for one service and window from SigNoz (the analysis's I/O edge)."""

from __future__ import annotations

import asyncio
import difflib

from aisher.analysis.evidence.builder import build_evidence, representative_origin, with_context
from aisher.analysis.evidence.model import Evidence
from aisher.analysis.masking.masker import Masker
from aisher.analysis.request import AnalysisRequest
from aisher.errors import UnknownServiceError, WindowError
from aisher.signoz.repository import SignozRepository, walk_parent_chain
from aisher.telemetry import CallEdge, GroupHistory, LogRecord, SpanRecord
from aisher.window import TimeWindow, iso

MAX_SUGGESTIONS = 3
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

    async def collect(self, request: AnalysisRequest, masker: Masker) -> Evidence:
        """The evidence, with message templates built from masked text (see build_evidence);
        everything else is still raw and goes through `redact_evidence` next."""
        service, window = request.service.strip(), request.window
        stats = await self._repository.service_stats(window)
        own = next((item for item in stats if item.service == service), None)
        if own is None or own.spans == 0:
            await self._refuse_unknown(service, window, seen_before=own is not None)
        failing, versions, edges = await asyncio.gather(
            self._repository.failing_traces(service, window),
            self._repository.version_history(window),
            self._call_edges(window),
        )
        evidence = build_evidence(
            service,
            window,
            failing.spans,
            stats,
            versions=versions,
            edges=edges,
            truncated=failing.truncated,
            max_traces=self._max_traces,
            mask=masker.mask,
        )
        return await self._attach_context(evidence)

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
            return walk_parent_chain(spans, origin.span.span_id)

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
