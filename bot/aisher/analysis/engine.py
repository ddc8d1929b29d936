"""The analysis: masked evidence in, an analyzer's answer, a report out. Every front end (CLI,
Slack, webhooks, REST) goes through `AnalysisEngine`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from aisher.analysis.evidence.model import Evidence
from aisher.analysis.evidence.trace import TraceEvidence
from aisher.analysis.heuristic import explain
from aisher.analysis.report import Answer, Report, TraceReport
from aisher.analysis.report_builder import build_report, build_trace_report
from aisher.analysis.request import AnalysisRequest
from aisher.errors import AisherError
from aisher.window import TimeWindow, iso

log = logging.getLogger(__name__)


class EvidenceSource(Protocol):
    """Where masked evidence comes from (`EvidenceCollector` reads it from SigNoz)."""

    async def collect(self, request: AnalysisRequest) -> Evidence:
        """The evidence for a request, every telemetry-derived string masked."""
        ...

    async def collect_trace(
        self, trace_id: str, *, hint: TimeWindow | None = None
    ) -> TraceEvidence:
        """One trace's masked spans and logs."""
        ...


class Analyzer(Protocol):
    async def answer(self, evidence: Evidence, request: AnalysisRequest) -> Answer:
        """Explain the (masked) evidence; the answer says which analyzer made it and whether it
        came from a cache."""
        ...


class AnalysisEngine:
    """Answers `AnalysisRequest`s with `Report`s.

    Without an `analyzer` the deterministic heuristic answers; `LlmAnalyzer` asks an LLM and
    falls back to the heuristic itself.
    """

    def __init__(
        self,
        evidence: EvidenceSource,
        analyzer: Analyzer | None = None,
        *,
        signoz_url: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._evidence = evidence
        self._analyzer = analyzer
        self._signoz_url = signoz_url
        self._clock = clock

    async def analyze(self, request: AnalysisRequest) -> Report:
        evidence = await self._evidence.collect(request)
        if self._analyzer is None:
            answer = explain(evidence)
        else:
            answer = await self._analyzer.answer(evidence, request)
        return build_report(
            evidence, answer, generated_at=iso(self._clock()), signoz_url=self._signoz_url
        )

    async def explain_trace(self, trace_id: str, *, hint: TimeWindow | None = None) -> TraceReport:
        """One trace explained: its failing span, parent chain and logs (no LLM involved)."""
        evidence = await self._evidence.collect_trace(trace_id, hint=hint)
        return build_trace_report(
            evidence, generated_at=iso(self._clock()), signoz_url=self._signoz_url
        )

    async def analyze_many(self, requests: Sequence[AnalysisRequest]) -> list[Report | AisherError]:
        """Several analyses at once (an alert storm); the analyzer bounds LLM concurrency.

        A request that fails with an `AisherError` yields that error in its place; the others
        still complete.
        """

        async def one(request: AnalysisRequest) -> Report | AisherError:
            try:
                return await self.analyze(request)
            except AisherError as exc:
                log.warning("analysis of %s failed: %s", request.service, exc)
                return exc

        return list(await asyncio.gather(*(one(request) for request in requests)))
