"""The report every front end renders: plain data, serialised to the JSON shape in DESIGN.md."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from aisher.window import TimeWindow


@dataclass(frozen=True, slots=True)
class RootCause:
    service: str | None
    operation: str = ""
    exception_type: str = ""
    summary: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    service: str
    operation: str
    score: float
    evidence: tuple[str, ...] = ()
    kind: str = "service"
    symptom: bool = False
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChainLink:
    service: str
    operation: str
    status: str
    duration_ms: float
    span_id: str = ""
    trace_id: str = ""
    kind: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class LogLine:
    time: str
    severity: str
    service: str
    body: str
    trace_id: str = ""
    span_id: str = ""


@dataclass(frozen=True, slots=True)
class GroupSummary:
    service: str
    operation: str
    exception_type: str
    message: str
    count: int
    traces: int
    origin: bool


@dataclass(frozen=True, slots=True)
class TokenUsage:
    prompt: int = 0
    completion: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """What an analyzer concludes: the narrative part of a report."""

    root_cause: RootCause
    remediation: tuple[str, ...] = ()
    analyzer: str = "heuristic"
    citations: tuple[str, ...] = ()
    tokens: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Report:
    """One analysis of one service's errors in one window."""

    service: str
    window: TimeWindow
    error_count: int
    failing_traces: int
    root_cause: RootCause
    confidence: str
    analyzer: str
    candidates: tuple[Candidate, ...] = ()
    parent_chain: tuple[ChainLink, ...] = ()
    related_logs: tuple[LogLine, ...] = ()
    error_groups: tuple[GroupSummary, ...] = ()
    remediation: tuple[str, ...] = ()
    tokens: TokenUsage = field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    cached: bool = False
    cached_at: str | None = None
    generated_at: str = ""
    insufficient_evidence: bool = False
    deploys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    prompt_version: str | None = None
    links: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON report of DESIGN.md (plus a few extra fields)."""
        data = asdict(self)
        data["window"] = self.window.to_json()
        for key in ("candidates", "parent_chain", "related_logs", "error_groups"):
            data[key] = [dict(item) for item in data[key]]
        for candidate in data["candidates"]:
            candidate["evidence"] = list(candidate["evidence"])
            candidate["reasons"] = list(candidate["reasons"])
        for key in ("remediation", "deploys", "notes"):
            data[key] = list(data[key])
        return data
