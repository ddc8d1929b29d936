"""The report every front end renders, and the answer an analyzer gives: one pydantic model per
concept, so the JSON report, its JSON schema, the cache entries and the Slack and REST renderers
all come from the same definition.

    Answer        what an analyzer concludes (root cause, next steps, cost, where it came from)
    Report        one analysis of one service's errors in one window: evidence figures + answer
    TraceReport   one trace explained: its failing span, parent chain and logs

Every model is frozen and plain data: no I/O, no behaviour beyond small derived properties.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from aisher.window import TimeWindow, iso


def _window_from_json(value: Any) -> Any:
    if isinstance(value, dict):
        return TimeWindow(
            start=datetime.fromisoformat(value["start"]), end=datetime.fromisoformat(value["end"])
        )
    return value


# A time window travels as {"start": "…Z", "end": "…Z"}; inside the process it is a `TimeWindow`.
Window = Annotated[
    TimeWindow,
    BeforeValidator(_window_from_json),
    PlainSerializer(lambda window: {"start": iso(window.start), "end": iso(window.end)}),
    WithJsonSchema(
        {
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date-time"},
                "end": {"type": "string", "format": "date-time"},
            },
            "required": ["start", "end"],
        }
    ),
]


def new_report_id() -> str:
    """A short random id, safe in URLs, Slack button values and Redis keys."""
    return uuid.uuid4().hex[:16]


class ReportModel(BaseModel):
    """Frozen, strict about unknown fields: a report read back must be one this code wrote."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class RootCause(ReportModel):
    service: str | None
    operation: str = ""
    exception_type: str = ""
    summary: str = ""


class Candidate(ReportModel):
    """A ranked suspect as the report shows it."""

    service: str
    operation: str
    score: float
    evidence: tuple[str, ...] = ()  # "trace:<id>" / "span:<id>" references
    kind: str = "service"  # service | dependency | slow_callee
    symptom: bool = False  # only passes on errors that start elsewhere
    reasons: tuple[str, ...] = ()
    instance: str = ""  # the one pod, host or service instance all its failures came from


class ChainLink(ReportModel):
    """One span of the failing span's parent chain."""

    service: str
    operation: str
    status: str
    duration_ms: float
    span_id: str = ""
    trace_id: str = ""
    kind: str = ""
    error: str = ""


class LogLine(ReportModel):
    time: str
    severity: str
    service: str
    body: str
    trace_id: str = ""
    span_id: str = ""


class GroupSummary(ReportModel):
    """An error group: spans that fail the same way, with one stack trace."""

    service: str
    operation: str
    exception_type: str
    message: str
    count: int
    traces: int
    origin: bool
    stacktrace: str = ""


class BaselineUsed(ReportModel):
    """What the window was compared with: the stretch before it (at least 30 minutes), and the
    same time yesterday when the store holds it."""

    description: str
    windows: tuple[Window, ...] = ()
    spans: int = 0  # the asked service's spans in them


class TokenUsage(ReportModel):
    prompt: int = 0
    completion: int = 0


class Answer(ReportModel):
    """What an analyzer concludes, and where the answer came from.

    The provenance travels with the answer (into the cache and back): which prompt version made
    it, when, and whether this copy was served from the cache.
    """

    root_cause: RootCause
    remediation: tuple[str, ...] = ()
    analyzer: str = "heuristic"  # heuristic | llm:<model>
    citations: tuple[str, ...] = ()
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    notes: tuple[str, ...] = ()
    prompt_version: str | None = None
    prompt_sha256: str | None = None  # of the masked prompt, when an LLM was asked
    created_at: str | None = None  # ISO 8601; set when the answer is cached
    cached: bool = False

    def with_notes(self, *notes: str) -> Answer:
        return self.model_copy(update={"notes": (*self.notes, *notes)})


class Report(ReportModel):
    """One analysis of one service's errors in one window; the JSON report of the REST API and
    `aisher why --format json`."""

    service: str
    window: Window
    error_count: int
    failing_traces: int
    root_cause: RootCause
    confidence: str  # high | medium | low
    span_count: int = 0  # the asked service's spans in the window
    error_rate: float = 0.0  # its share of error spans in the window
    baseline_error_rate: float = 0.0  # the same in the baseline window before it
    analyzer: str
    candidates: tuple[Candidate, ...] = ()
    parent_chain: tuple[ChainLink, ...] = ()  # root first, the failing span last
    parent_chain_elided: int = 0  # spans left out between the root and the links after it
    related_logs: tuple[LogLine, ...] = ()
    error_groups: tuple[GroupSummary, ...] = ()
    also_failing: tuple[GroupSummary, ...] = ()  # failing as before, at the baseline rate
    other_causes: tuple[RootCause, ...] = ()  # unrelated new failures in the same window
    baseline: BaselineUsed | None = None
    remediation: tuple[str, ...] = ()
    tokens: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float = 0.0
    cached: bool = False
    cached_at: str | None = None
    generated_at: str = ""
    insufficient_evidence: bool = False
    deploys: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    prompt_version: str | None = None
    prompt_sha256: str | None = None  # of the masked prompt, when an LLM was asked
    links: dict[str, str] = Field(default_factory=dict)
    id: str = Field(default_factory=new_report_id)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return self.model_dump(mode="json")


class TraceReport(ReportModel):
    """One trace explained: where it failed, the way up to its root, and its logs."""

    trace_id: str
    span_count: int
    error_count: int
    services: tuple[str, ...] = ()
    failing_span: ChainLink | None = None
    parent_chain: tuple[ChainLink, ...] = ()  # root first, the failing span last
    parent_chain_elided: int = 0  # spans left out between the root and the links after it
    related_logs: tuple[LogLine, ...] = ()
    exception_type: str = ""
    exception_message: str = ""
    stacktrace: str = ""
    summary: str = ""
    links: dict[str, str] = Field(default_factory=dict)
    generated_at: str = ""
    id: str = Field(default_factory=new_report_id)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def report_json_schema() -> dict[str, Any]:
    """The JSON schema of the JSON report, as published in docs/report.schema.json."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
