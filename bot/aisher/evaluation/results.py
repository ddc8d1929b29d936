"""What an evaluation found: each analyzer's verdict on each incident, and the suite's scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aisher.analysis import Report
from aisher.evaluation.scoring import Scores, named_services, rank_of, score, score_by_kind
from aisher.evaluation.suite import LabelledIncident
from aisher.window import iso

HEURISTIC = "heuristic"
LLM = "llm"


@dataclass(frozen=True, slots=True)
class Suspect:
    """One candidate of a report, as the table shows it."""

    service: str
    operation: str
    score: float
    kind: str
    symptom: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "score": round(self.score, 4),
            "kind": self.kind,
            "symptom": self.symptom,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """One analyzer's answer on one incident, and where the right answer ranked in it."""

    analyzer: str  # as the report names it: heuristic, llm:<model>
    root_cause: str | None
    operation: str
    suspects: tuple[Suspect, ...]
    rank: int | None
    confidence: str
    seconds: float
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = None  # the analysis failed; rank is None

    @classmethod
    def failed(cls, error: str, seconds: float) -> Verdict:
        return cls("none", None, "", (), None, "", seconds, error=error)

    def to_json(self) -> dict[str, Any]:
        return {
            "analyzer": self.analyzer,
            "root_cause": self.root_cause,
            "operation": self.operation,
            "rank": self.rank,
            "confidence": self.confidence,
            "candidates": [suspect.to_json() for suspect in self.suspects],
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            "cost_usd": self.cost_usd,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


def verdict_from_report(report: Report, root_cause: Sequence[str], seconds: float) -> Verdict:
    """Score a report against the labelled root causes."""
    suspects = tuple(
        Suspect(c.service, c.operation, c.score, c.kind, c.symptom) for c in report.candidates
    )
    named = named_services(report.root_cause.service, ((s.service, s.symptom) for s in suspects))
    return Verdict(
        analyzer=report.analyzer,
        root_cause=report.root_cause.service,
        operation=report.root_cause.operation,
        suspects=suspects,
        rank=rank_of(named, root_cause),
        confidence=report.confidence,
        seconds=seconds,
        prompt_tokens=report.tokens.prompt,
        completion_tokens=report.tokens.completion,
        cost_usd=report.cost_usd,
    )


@dataclass(frozen=True, slots=True)
class IncidentResult:
    incident: LabelledIncident
    rows: int  # rows the telemetry loaded as
    heuristic: Verdict
    llm: Verdict | None = None
    load_problems: tuple[str, ...] = ()  # documents the loader skipped, first few

    def verdict(self, analyzer: str) -> Verdict | None:
        return self.heuristic if analyzer == HEURISTIC else self.llm

    def to_json(self) -> dict[str, Any]:
        incident = self.incident
        return {
            "name": incident.name,
            "kind": incident.kind,
            "service": incident.service,
            "until": iso(incident.window.end),
            "window": incident.window_text,
            "root_cause": list(incident.root_cause),
            "rows": self.rows,
            "load_problems": list(self.load_problems),
            HEURISTIC: self.heuristic.to_json(),
            LLM: self.llm.to_json() if self.llm else None,
        }


@dataclass(frozen=True, slots=True)
class SuiteResult:
    """Every incident's result, in suite order, and how the run went."""

    suite: str
    results: tuple[IncidentResult, ...]
    seconds: float
    llm_model: str | None = None  # set when the LLM path ran too
    analyzers: tuple[str, ...] = field(default=(HEURISTIC,))

    def ranks(self, analyzer: str) -> list[tuple[str, int | None]]:
        """(kind, rank) of every incident the analyzer answered or failed on."""
        found = []
        for result in self.results:
            verdict = result.verdict(analyzer)
            if verdict is not None:
                found.append((result.incident.kind, verdict.rank))
        return found

    def scores(self, analyzer: str) -> Scores:
        return score([rank for _, rank in self.ranks(analyzer)])

    def scores_by_kind(self, analyzer: str) -> dict[str, Scores]:
        return dict(score_by_kind(self.ranks(analyzer)))

    def llm_usage(self) -> dict[str, Any]:
        """Tokens, cost, and how many answers really came from the model."""
        verdicts = [r.llm for r in self.results if r.llm is not None]
        return {
            "model": self.llm_model,
            "answered_by_llm": sum(v.analyzer.startswith("llm") for v in verdicts),
            "tokens": {
                "prompt": sum(v.prompt_tokens for v in verdicts),
                "completion": sum(v.completion_tokens for v in verdicts),
            },
            "cost_usd": round(sum(v.cost_usd for v in verdicts), 6),
        }

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "suite": self.suite,
            "incidents": len(self.results),
            "seconds": round(self.seconds, 2),
        }
        for analyzer in (HEURISTIC, LLM):
            if analyzer not in self.analyzers:
                document[analyzer] = None
                continue
            document[analyzer] = {
                **self.scores(analyzer).to_json(),
                "by_kind": {k: s.to_json() for k, s in self.scores_by_kind(analyzer).items()},
            }
        if LLM in self.analyzers:
            document[LLM].update(self.llm_usage())
        document["results"] = [result.to_json() for result in self.results]
        return document
