"""The analysis pipeline: collect evidence, mask it, ask an analyzer, build the report."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from aisher.analysis.evidence.model import Evidence
from aisher.analysis.heuristic import explain
from aisher.analysis.masking.masker import Masker
from aisher.analysis.masking.redaction import redact_evidence
from aisher.analysis.report import Answer, Report
from aisher.analysis.report_builder import build_report
from aisher.analysis.request import AnalysisRequest
from aisher.errors import AisherError
from aisher.window import iso

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AnalyzerOutcome:
    """An analyzer's answer, and whether it came from the cache (and when it was made)."""

    answer: Answer
    cached_at: str | None = None
    prompt_version: str | None = None


class EvidenceSource(Protocol):
    async def collect(self, request: AnalysisRequest, masker: Masker) -> Evidence:
        """The evidence for a request (`EvidenceCollector` reads it from SigNoz), with message
        templates built from `masker`-masked text; the engine masks the rest."""
        ...


class Analyzer(Protocol):
    async def answer(self, evidence: Evidence, request: AnalysisRequest) -> AnalyzerOutcome:
        """Explain the (already masked) evidence."""
        ...


class HeuristicAnalyzer:
    """The deterministic analyzer behind the `Analyzer` interface."""

    async def answer(self, evidence: Evidence, request: AnalysisRequest) -> AnalyzerOutcome:
        return AnalyzerOutcome(explain(evidence))


class AnalysisEngine:
    """Answers `AnalysisRequest`s with `Report`s; every front end goes through here."""

    def __init__(
        self,
        collector: EvidenceSource,
        analyzer: Analyzer,
        *,
        signoz_url: str | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._collector = collector
        self._analyzer = analyzer
        self._signoz_url = signoz_url
        self._clock = clock

    async def evidence(self, request: AnalysisRequest) -> Evidence:
        """The masked evidence for a request; nothing unmasked leaves this method.

        One masker per request keeps placeholders stable across the whole report.
        """
        masker = Masker()
        return redact_evidence(await self._collector.collect(request, masker), masker)

    async def analyze(self, request: AnalysisRequest) -> Report:
        evidence = await self.evidence(request)
        outcome = await self._analyzer.answer(evidence, request)
        return build_report(
            evidence,
            outcome.answer,
            generated_at=iso(self._clock()),
            cached_at=outcome.cached_at,
            prompt_version=outcome.prompt_version,
            signoz_url=self._signoz_url,
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
