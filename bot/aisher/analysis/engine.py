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
from aisher.ops.metrics import AisherMetrics
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


class AnalysisAudit(Protocol):
    """Where each analysis is recorded once it ends (`aisher.ops.audit.AuditLog`)."""

    def record_analysis(
        self,
        request: AnalysisRequest,
        report: Report | None,
        *,
        outcome: str,
        error: BaseException | None = None,
    ) -> None: ...


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
        metrics: AisherMetrics | None = None,
        audit: AnalysisAudit | None = None,
    ) -> None:
        self._evidence = evidence
        self._analyzer = analyzer
        self._signoz_url = signoz_url
        self._clock = clock
        self._metrics = metrics or AisherMetrics()
        self._audit = audit

    async def analyze(self, request: AnalysisRequest) -> Report:
        """The report for `request`; timed per stage, counted, and audited when it ends."""
        expected = "heuristic" if self._analyzer is None else "llm"
        try:
            with self._metrics.measure_analysis(request.trigger, analyzer=expected) as meter:
                with meter.stage("collect"):  # split into query and evidence time
                    evidence = await self._evidence.collect(request)
                if self._analyzer is None:
                    answer = explain(evidence)
                else:
                    answer = await self._analyzer.answer(evidence, request)
                meter.answered(answer.analyzer, cached=answer.cached)
                with meter.stage("render"):
                    report = build_report(
                        evidence,
                        answer,
                        generated_at=iso(self._clock()),
                        signoz_url=self._signoz_url,
                    )
        except BaseException as exc:
            if self._audit is not None:
                ended = "cancelled" if isinstance(exc, asyncio.CancelledError) else "failed"
                self._audit.record_analysis(request, None, outcome=ended, error=exc)
            raise
        outcome = meter.outcome or "answered"
        if self._audit is not None:
            self._audit.record_analysis(request, report, outcome=outcome)
        log.info(
            "analysed %s for %s: %s by %s (report %s)",
            request.service,
            request.trigger,
            outcome,
            report.analyzer,
            report.id,
        )
        return report

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
